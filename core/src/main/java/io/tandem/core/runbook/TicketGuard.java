package io.tandem.core.runbook;

import io.tandem.core.witness.FencingToken;
import java.time.Duration;
import java.util.Optional;

/**
 * Port: answers whether this agent still holds a valid ticket with the token's epoch, and for how
 * much longer. The engine asks {@link #holds} before every apply and bounds every apply by {@link
 * #timeLeft} (issue 12.6: a step that outlives the ticket must not land after the ticket passed to
 * another site); the agent's ticket holder implements it.
 *
 * <p>Contract: fast (answers from local state, no remote call), thread-safe, and conservative: a
 * ticket that is due to fence (near its local deadline) is not held.
 */
@FunctionalInterface
public interface TicketGuard {

  boolean holds(FencingToken token);

  /**
   * How long the token's epoch may still be acted under before this agent must fence itself (local
   * deadline minus the fence lead, on the agent's monotonic clock); empty when unbounded (tests,
   * tools). Asked just before each apply; a renewal meanwhile is not taken into account.
   */
  default Optional<Duration> timeLeft(FencingToken token) {
    return Optional.empty();
  }
}
