package io.tandem.core.agent.effects;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link SiteEffects#fence} is asked to do.
 *
 * @param reason the decision in words
 * @param mode how far to go
 * @param budget how long the fence may take: every part is bounded by it, and the fence completes
 *     {@link FenceResult.Outcome#UNKNOWN} when a part did not confirm within it. The agent core
 *     sets it: a self-fence because the ticket is running out gets {@code fenceLead} (it must be
 *     over by the local deadline); other fences, which no deadline presses (start-up, maintenance,
 *     switchover, a retry), get {@code fenceLead + witnessGrace}.
 */
public record FenceRequest(String reason, Mode mode, Duration budget) {

  /** How far a fence goes. */
  public enum Mode {
    /**
     * Stop serving at once: the PBX refuses new calls, this site's trunk contacts are removed, its
     * virtual IPs dropped. Used for every involuntary step-down (ticket lost or expiring, start-up,
     * maintenance).
     */
    FULL,
    /**
     * Planned handover: the PBX stops taking new calls but keeps its calls, trunk registration and
     * addresses, so the successor's switchover runbook can drain them before it moves anything.
     */
    HANDOVER
  }

  /** The budget of a fence when the caller names none. */
  public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(3);

  public FenceRequest {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(budget, "budget");
    if (budget.isNegative() || budget.isZero()) {
      throw new IllegalArgumentException("budget must be positive, was " + budget);
    }
  }

  /** A fence with {@link #DEFAULT_BUDGET}. */
  public FenceRequest(String reason, Mode mode) {
    this(reason, mode, DEFAULT_BUDGET);
  }
}
