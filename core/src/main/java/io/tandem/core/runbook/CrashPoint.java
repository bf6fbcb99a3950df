package io.tandem.core.runbook;

/** Boundaries inside a step where a crash test may kill the engine. */
public enum CrashPoint {
  /** Observed, change needed, intent not yet journaled. */
  BEFORE_INTENT,
  /** Intent journaled (and fsynced), apply not yet called. */
  AFTER_INTENT,
  /** Apply returned, verification not started. */
  AFTER_APPLY,
  /** Verification succeeded, result not yet journaled. */
  AFTER_VERIFY,
  /** Result journaled. */
  AFTER_RESULT
}
