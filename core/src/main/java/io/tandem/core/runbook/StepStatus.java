package io.tandem.core.runbook;

/** How one step ended. */
public enum StepStatus {
  /** Applied, then verified. */
  VERIFIED,
  /** Already in the desired state and verified; nothing changed. */
  ALREADY_DONE,
  /** A pure check (outside verification) that passed. */
  CHECKED,
  /** Failed: the run stops after this stage. */
  FAILED,
  /** Failed, but the step is best effort: the run continued. */
  BEST_EFFORT_FAILED,
  /** The ticket or epoch was lost. */
  FENCED,
  /** Not safe to repeat and its earlier apply may have happened: an operator must check. */
  MANUAL_INTERVENTION,
  /** Not started: the run stopped before it. */
  SKIPPED;

  /** Whether the step reached the desired state. */
  public boolean succeeded() {
    return this == VERIFIED || this == ALREADY_DONE || this == CHECKED;
  }
}
