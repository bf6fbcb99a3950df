package io.tandem.core.runbook;

/** How a run ended. */
public enum RunOutcome {
  /** Every required step verified (best-effort steps may have failed; see the report). */
  SUCCEEDED,
  /** A required step failed; later stages did not run. */
  FAILED,
  /** The ticket or epoch was lost; nothing more was changed. */
  FENCED,
  /** An operator (or a gate timeout) aborted the run at a step boundary. */
  ABORTED,
  /** A step that is not safe to repeat may have been half-applied; an operator must check. */
  NEEDS_MANUAL_INTERVENTION,
  /**
   * An unfinished run of an older epoch that an agent closed instead of resuming: the world may
   * have changed since (another site held a newer ticket), so a fresh run under the current epoch
   * observes everything again.
   */
  SUPERSEDED
}
