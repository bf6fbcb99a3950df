package io.tandem.app.api;

import java.time.Instant;

/**
 * One runbook step as the console's timeline shows it.
 *
 * @param runId the run
 * @param stage stage name, e.g. {@code move}
 * @param step step name, e.g. {@code dns sip.example.com. A}
 * @param result RUNNING, VERIFIED, SKIPPED, FAILED
 * @param startedAt start
 * @param endedAt end, or {@code null} while running
 * @param detail what changed (before → after) or why it failed
 */
public record StepView(
    String runId,
    String stage,
    String step,
    String result,
    Instant startedAt,
    Instant endedAt,
    String detail) {

  /** A step's result as the event tells it. */
  public static StepView of(io.tandem.core.event.TandemEvent.StepFinished e) {
    return new StepView(
        e.runId(), e.stage(), e.stepId(), e.status(), e.startedAt(), e.endedAt(), e.detail());
  }
}
