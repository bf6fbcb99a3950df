package io.tandem.app.agent;

import io.tandem.app.api.CommandResult;
import io.tandem.core.config.ApprovalGate;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.runbook.ApprovalDesk;
import io.tandem.core.runbook.Gate;
import io.tandem.core.runbook.GateDecision;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * {@code policies.approvalGates} for an operator's move of the service: a {@code tandem switchover}
 * (gate {@code before-switchover}), a {@code tandem failover} of a live active site ({@code
 * before-failover}) and either one back to the most preferred site ({@code before-failback}, which
 * takes the place of the other two when both apply) wait for a second operator's {@code tandem
 * approve} <em>before the hand-over starts</em>: the active site keeps taking calls and keeps its
 * ticket while the request waits, so a gate never stands between a drained site and its successor.
 * A denial, or no answer within {@link #WAIT}, drops the request and nothing moves (as a runbook
 * gate's {@code ABORT}). The gates of unplanned runs ({@code before-failover} on an outage, {@code
 * before-fencing}) are stages of the runbook itself ({@code AgentAssembly.runbookOptions}).
 *
 * <p>Each waiting request is a gate on the agent's {@link ApprovalDesk} under the request's id, so
 * {@code tandem approve <id>}, {@code tandem deny <id>} and the status's list of waiting gates
 * treat requests and runs alike. Thread-safe: each request waits on its own virtual thread.
 */
final class MoveApprovals {

  /** How long a move request waits for an operator before it is dropped. */
  static final Duration WAIT = Duration.ofMinutes(10);

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(MoveApprovals.class);

  private final Set<ApprovalGate> gates;
  private final String preferred;
  private final ApprovalDesk desk;
  private final Clock clock;
  private final Map<String, Gate> pending = new ConcurrentHashMap<>();

  MoveApprovals(ClusterConfig config, ApprovalDesk desk, Clock clock) {
    this.gates = Set.copyOf(config.policies().approvalGates());
    this.preferred =
        config.sites().stream()
            .min(Comparator.comparingInt(SiteConfig::priority))
            .map(SiteConfig::name)
            .orElseThrow();
    this.desk = desk;
    this.clock = clock;
  }

  /**
   * The gate an operator's {@code what} ({@code switchover} or {@code failover}) to {@code target}
   * must pass, if the cluster file sets one for it.
   */
  Optional<Gate> gateFor(String what, String target) {
    if (target.equals(preferred) && gates.contains(ApprovalGate.BEFORE_FAILBACK)) {
      return Optional.of(gate(ApprovalGate.BEFORE_FAILBACK, "the failback (" + what + ")", target));
    }
    ApprovalGate g =
        what.equals("switchover") ? ApprovalGate.BEFORE_SWITCHOVER : ApprovalGate.BEFORE_FAILOVER;
    return gates.contains(g) ? Optional.of(gate(g, "the " + what, target)) : Optional.empty();
  }

  private static Gate gate(ApprovalGate g, String what, String target) {
    return Gate.of(
        g.configName(), "Approve " + what + " to " + target + "?", WAIT, Gate.TimeoutPolicy.ABORT);
  }

  /**
   * Puts the request on the desk and answers at once; {@code move} runs (re-checking everything it
   * checks for an ungated command) only once an operator approves.
   */
  CommandResult ask(String what, String target, Gate gate, Supplier<CommandResult> move) {
    String id = what + "-to-" + target + "-" + clock.millis();
    pending.put(id, gate);
    Thread.ofVirtual()
        .name("tandem-approval-" + id)
        .start(
            () -> {
              try {
                Optional<GateDecision> d = desk.await(id, gate, gate.timeout());
                if (d.isEmpty()) {
                  log.warn("{}: nobody approved it within {}; nothing moved", id, gate.timeout());
                } else if (!d.get().approved()) {
                  log.info("{}: denied by {}; nothing moved", id, d.get().by());
                } else {
                  CommandResult r = move.get();
                  log.info(
                      "{}: approved by {}; {}: {}",
                      id,
                      d.get().by(),
                      r.accepted() ? "requested" : "refused",
                      r.message());
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (RuntimeException e) {
                log.warn("{}: the approved move failed: {}", id, e.toString());
              } finally {
                pending.remove(id);
                desk.forget(id);
              }
            });
    return CommandResult.accepted(
        what
            + " to "
            + target
            + " waits for approval at gate "
            + gate.id()
            + ": tandem approve "
            + id
            + " (or tandem deny "
            + id
            + "); nothing changes until then",
        id);
  }

  /** The gate a move request waits at (also in the moment before its thread reached the desk). */
  Optional<String> pendingGate(String id) {
    return Optional.ofNullable(pending.get(id)).map(Gate::id);
  }
}
