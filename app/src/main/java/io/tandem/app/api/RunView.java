package io.tandem.app.api;

import java.time.Instant;

/**
 * A runbook run (failover, switchover, drill).
 *
 * @param id run id
 * @param kind FAILOVER, SWITCHOVER, DRILL
 * @param state RUNNING, WAITING_FOR_APPROVAL, SUCCEEDED, FAILED, ABORTED
 * @param from site that lost the service
 * @param to site that took it
 * @param startedAt start
 * @param endedAt end, or {@code null} while running
 * @param rtoMillis recovery time (detection to verified), or {@code null}
 */
public record RunView(
    String id,
    String kind,
    String state,
    String from,
    String to,
    Instant startedAt,
    Instant endedAt,
    Long rtoMillis) {

  /** A finished run as its report tells it ("kind: from → to" names the two sites). */
  public static RunView of(io.tandem.core.runbook.report.RunReport r) {
    String[] fromTo = r.runbook().replaceFirst("^[^:]*: ", "").split(" → ");
    return new RunView(
        r.runId(),
        r.kind(),
        r.outcome(),
        fromTo.length == 2 ? fromTo[0] : null,
        fromTo.length == 2 ? fromTo[1] : r.site(),
        r.startedAt(),
        r.endedAt(),
        r.rto() == null ? null : r.rto().totalMillis());
  }

  /** A run as an event tells it. */
  public static RunView of(io.tandem.core.event.TandemEvent.RunStarted e) {
    return new RunView(e.runId(), e.kind(), "RUNNING", e.from(), e.to(), e.at(), null, null);
  }

  /** A finished run as an event tells it. */
  public static RunView of(io.tandem.core.event.TandemEvent.RunFinished e) {
    return new RunView(
        e.runId(),
        e.kind(),
        e.outcome(),
        e.from(),
        e.to(),
        e.startedAt(),
        e.at(),
        e.rtoMillis().orElse(null));
  }
}
