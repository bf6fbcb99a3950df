package io.tandem.core.runbook.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * How a run went, derived from its journal (so a resumed run reports its whole history). Serialises
 * to JSON with Jackson; absent values are {@code null} and omitted.
 *
 * @param runId run id
 * @param runbook runbook name
 * @param kind FAILOVER, SWITCHOVER or CUSTOM
 * @param drill true for a drill
 * @param cluster cluster
 * @param site site that ran it
 * @param epoch ticket epoch at the start (resumes may raise it; see the timeline)
 * @param startedAt first journal record
 * @param endedAt run-ended record, or the last record if the run did not end
 * @param outcome how the run ended, {@code UNFINISHED} if it has not
 * @param reason why, in words
 * @param notes why this runbook ran as it did, labelled ({@code cause}, {@code fence}, ...)
 * @param rto recovery time broken down
 * @param steps every step in runbook order, with timestamps
 * @param changes what changed, before → after per resource
 * @param failures what failed and why
 * @param timeline every journal record in words
 * @param warnings journal recovery warnings and similar
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunReport(
    String runId,
    String runbook,
    String kind,
    boolean drill,
    String cluster,
    String site,
    long epoch,
    Instant startedAt,
    Instant endedAt,
    String outcome,
    String reason,
    List<Note> notes,
    Rto rto,
    List<StepReport> steps,
    List<Change> changes,
    List<Failure> failures,
    List<TimelineEntry> timeline,
    List<String> warnings) {

  /** A labelled sentence: why the run ran as it did. */
  public record Note(String label, String words) {}

  /**
   * Recovery time, in milliseconds, from the fault's first sign to service verified from outside.
   *
   * @param detectionMillis fault first seen → the agent set out to take over, if both known
   * @param ticketWaitMillis that → the ticket granted and the activation decided, if both known
   * @param decisionMillis decision → the run's first journal record (choosing the runbook and whom
   *     to fence), if the decision time is known
   * @param stages per stage, first step start → last step end
   * @param verificationMillis time spent in verification stages
   * @param totalMillis earliest known instant (fault, detection, decision or run start) → end of
   *     the last verification stage; null when the service was not verified restored
   * @param serviceRestoredAt end of the last verification stage, if it passed
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Rto(
      Long detectionMillis,
      Long ticketWaitMillis,
      Long decisionMillis,
      List<StageTime> stages,
      long verificationMillis,
      Long totalMillis,
      Instant serviceRestoredAt) {}

  /** Duration of one stage. */
  public record StageTime(String stage, String kind, long millis) {}

  /** One step's line in the report. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record StepReport(
      String stage,
      String id,
      String title,
      String provider,
      String status,
      Instant startedAt,
      Instant endedAt,
      Long durationMillis,
      String resource,
      String before,
      String after,
      String detail,
      Integer applyAttempts) {}

  /** A resource that a step set out to change. */
  public record Change(String step, String resource, String before, String after, String status) {}

  /** Something that failed, with the reason. */
  public record Failure(String step, String status, String reason) {}

  /** One event. */
  public record TimelineEntry(Instant at, String event) {}
}
