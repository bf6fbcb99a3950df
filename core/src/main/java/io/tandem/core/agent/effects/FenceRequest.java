package io.tandem.core.agent.effects;

import java.util.Objects;

/**
 * What {@link SiteEffects#fence} is asked to do.
 *
 * @param reason the decision in words
 * @param mode how far to go
 */
public record FenceRequest(String reason, Mode mode) {

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

  public FenceRequest {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(mode, "mode");
  }
}
