package io.tandem.app.api;

import java.util.List;
import java.util.Optional;

/**
 * What the REST API, console, CLI and metrics need from a running Tandem node: the agent in {@code
 * agent} mode, or the whole simulated cluster in {@code lab} mode.
 *
 * <p>Thread-safety: implementations are thread-safe; listeners are called on an internal thread,
 * one event at a time, and must not block.
 */
public interface ClusterRuntime {

  ClusterStatus status();

  /** The newest decisions first, at most {@code limit}. */
  List<DecisionView> decisions(int limit);

  List<RunView> runs();

  /** A run's report as text or JSON-ready object. */
  Optional<Object> report(String runId, boolean json);

  /** Planned switchover: drain calls on the active site, then move the service. */
  CommandResult switchover(String targetSite);

  /** Operator-initiated failover: move the service now, without draining. */
  CommandResult failover(String targetSite);

  /**
   * The plan a failover or switchover to {@code targetSite} would run, from observation, changing
   * nothing: text for people or a JSON-ready object.
   */
  Object plan(String targetSite, boolean switchover, boolean json);

  CommandResult maintenance(String site, boolean on);

  CommandResult approveGate(String runId);

  /**
   * Approves every gate {@code runId} (a run, or a gated switchover/failover/failback request)
   * waits at, as {@code by}.
   */
  default CommandResult approveGate(String runId, String by) {
    return approveGate(runId);
  }

  /**
   * Denies every gate {@code runId} waits at, as {@code by}: a run ends aborted, a request is
   * dropped and nothing moves.
   */
  default CommandResult denyGate(String runId, String by) {
    return CommandResult.refused("run " + runId + " waits at no gate");
  }

  CommandResult abortRun(String runId);

  CommandResult drill();

  /** A forced acquire: only with the acknowledgement {@link #FORCE_ACKNOWLEDGEMENT}. */
  CommandResult forceAcquire(String site, String acknowledgement);

  /** The typed events of this node's agent (none on a node that runs no agent). */
  io.tandem.core.event.EventPublisher events();

  /** The exact words an operator must send to force an acquire (as booth's {@code grant -F}). */
  String FORCE_ACKNOWLEDGEMENT = "I understand this can make two sites active";
}
