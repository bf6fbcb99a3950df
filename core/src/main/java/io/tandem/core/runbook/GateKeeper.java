package io.tandem.core.runbook;

import java.time.Duration;
import java.util.Optional;

/**
 * Port: where gates wait for operators (REST API, console, CLI). {@link ApprovalDesk} is the
 * in-process implementation.
 *
 * <p>Contract: thread-safe; a decision given before {@link #await} is called is kept and returned
 * by it.
 */
public interface GateKeeper {

  /**
   * Waits up to {@code maxWait} for a decision on {@code gate} of run {@code runId}.
   *
   * @return the decision, or empty on timeout
   * @throws InterruptedException if the waiting thread is interrupted
   */
  Optional<GateDecision> await(String runId, Gate gate, Duration maxWait)
      throws InterruptedException;

  /** The run was aborted: release anybody waiting on its gates. Default: nothing to release. */
  default void abandon(String runId, String reason) {}

  /** The run is no longer executing: drop what is kept for it. Default: nothing kept. */
  default void forget(String runId) {}
}
