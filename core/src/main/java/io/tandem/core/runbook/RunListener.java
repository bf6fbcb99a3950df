package io.tandem.core.runbook;

import io.tandem.core.runbook.report.RunReport;
import io.tandem.core.witness.FencingToken;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Live events of the runs an engine executes, for the agent's event bus (console, metrics,
 * notifications): a run started or resumed, a step finished (as soon as its result is journaled,
 * not at the end of the run), a run finished with its report.
 *
 * <p>Thread guarantees: called on the thread that caused the event (the caller of {@code run} /
 * {@code resume} for run events, the step's thread for step events; steps of one stage run in
 * parallel, so step events of one stage may arrive concurrently), after the journal record it
 * announces is on disk. Implementations must be thread-safe and must not block; an exception thrown
 * by a listener is logged and ignored, never allowed to change a run.
 */
public interface RunListener {

  /** Listens to nothing. */
  RunListener NONE = new RunListener() {};

  /**
   * A run started (or resumed after a restart).
   *
   * @param runId the run
   * @param runbook the runbook's name
   * @param kind what sort of run
   * @param drill whether it is a drill
   * @param token what it acts under
   * @param resumed true when an agent picked an unfinished run up again
   * @param at when the start was journaled
   * @param stepIds the runbook's step and gate ids in order
   */
  record RunStarted(
      String runId,
      String runbook,
      RunKind kind,
      boolean drill,
      FencingToken token,
      boolean resumed,
      Instant at,
      List<String> stepIds) {
    public RunStarted {
      Objects.requireNonNull(runId, "runId");
      stepIds = List.copyOf(stepIds);
    }
  }

  /**
   * A step's result was journaled.
   *
   * @param runId the run
   * @param stage the stage's name
   * @param stepId the step
   * @param title the step's title
   * @param status how it ended
   * @param startedAt when it started
   * @param endedAt when its result was journaled
   * @param detail the result in words
   */
  record StepFinished(
      String runId,
      String stage,
      String stepId,
      String title,
      StepStatus status,
      Instant startedAt,
      Instant endedAt,
      String detail) {
    public StepFinished {
      Objects.requireNonNull(runId, "runId");
      Objects.requireNonNull(status, "status");
    }
  }

  default void runStarted(RunStarted event) {}

  default void stepFinished(StepFinished event) {}

  /** The run ended (or halted for manual intervention, or was superseded): its report. */
  default void runFinished(RunReport report) {}
}
