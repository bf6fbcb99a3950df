package io.tandem.core.runbook.journal;

/** Kinds of journal records, in the order a run usually writes them. */
public enum RecordType {
  /** First record: runbook, kind, token, step ids, outage timings. */
  RUN_STARTED,
  /** An agent picked an unfinished run up again after a restart. */
  RUN_RESUMED,
  /** A step is about to apply: written and fsynced before {@code apply} is called. */
  STEP_INTENT,
  /** A step ended (any status). */
  STEP_RESULT,
  /** The run waits at a gate (again after each timeout with {@code KEEP_WAITING}). */
  GATE_WAITING,
  /** A gate was decided: by an operator or by its timeout policy. */
  GATE_DECIDED,
  /** An operator asked to abort; honoured at the next step boundary. */
  ABORT_REQUESTED,
  /**
   * The run stopped because a step needs manual intervention; it stays unfinished until an operator
   * resolves the step and the run is resumed.
   */
  RUN_HALTED,
  /** An operator's hook program ran at a stage boundary: stage, when, words (its outcome). */
  HOOK_RAN,
  /** Last record: outcome and reason. */
  RUN_ENDED
}
