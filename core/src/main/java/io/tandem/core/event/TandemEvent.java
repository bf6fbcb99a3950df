package io.tandem.core.event;

import io.tandem.core.agent.Decision;
import io.tandem.core.health.SensorState;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.core.sync.SyncDecision;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What happens on an agent, as a closed set of typed events: the console's live stream, the metrics
 * and the notifications subscribe to them through an {@link EventPublisher}. Every event names the
 * site it happened on and when.
 */
public sealed interface TandemEvent {

  /** The site the event happened on. */
  String site();

  /** When it happened (wall clock of that site). */
  Instant at();

  /** The decision loop decided (every tick, with its reason code and words). */
  record DecisionMade(String site, Decision decision) implements TandemEvent {
    public DecisionMade {
      Objects.requireNonNull(site, "site");
      Objects.requireNonNull(decision, "decision");
    }

    @Override
    public Instant at() {
      return decision.at();
    }

    /** Whether the agent's state changed with this decision. */
    public boolean stateChanged() {
      return decision.from() != decision.to();
    }
  }

  /** This site now holds the ticket under {@code epoch}. */
  record TicketAcquired(String site, long epoch, Instant at) implements TandemEvent {}

  /** This site no longer holds the ticket of {@code epoch}: refused, expired or released. */
  record TicketLost(String site, long epoch, String reason, Instant at) implements TandemEvent {}

  /** A runbook run started (an activation, a planned handover, a drill leg). */
  record RunStarted(String site, String runId, String kind, String from, String to, Instant at)
      implements TandemEvent {}

  /**
   * One step's result was journaled, as it happens (not at the end of the run).
   *
   * @param status the step's status name ({@code DONE}, {@code FAILED}, ...)
   * @param detail what it did or why it failed
   */
  record StepFinished(
      String site,
      String runId,
      String stage,
      String stepId,
      String status,
      Instant startedAt,
      Instant endedAt,
      String detail)
      implements TandemEvent {
    @Override
    public Instant at() {
      return endedAt;
    }
  }

  /**
   * A run ended.
   *
   * @param outcome its outcome ({@code SUCCEEDED}, {@code FAILED}, ...), or {@code FAILED: why}
   *     when it could not even produce a report
   * @param report its report, if it produced one
   * @param rtoMillis its recovery time, if the service was verified restored
   */
  record RunFinished(
      String site,
      String runId,
      String kind,
      String from,
      String to,
      String outcome,
      Instant startedAt,
      Instant at,
      Optional<Long> rtoMillis,
      Optional<RunReport> report)
      implements TandemEvent {
    public RunFinished {
      Objects.requireNonNull(rtoMillis, "rtoMillis");
      Objects.requireNonNull(report, "report");
    }
  }

  /** A drill (there and back) ended. */
  record DrillFinished(String site, String drillId, String outcome, String words, Instant at)
      implements TandemEvent {}

  /**
   * A sensor went up or down (after hysteresis).
   *
   * @param siteHealthy the site's verdict after the change
   */
  record SensorChanged(String site, SensorState sensor, boolean siteHealthy, Instant at)
      implements TandemEvent {}

  /** A sync run ended or was refused, on the sender or the receiver. */
  record SyncFinished(String site, SyncDecision decision) implements TandemEvent {
    @Override
    public Instant at() {
      return decision.at();
    }
  }

  /**
   * The decision loop ticked; {@code latenessNanos} is how late against its schedule (a loaded
   * host, a GC pause). For the tick lateness histogram.
   */
  record TickCompleted(String site, long latenessNanos, Instant at) implements TandemEvent {}
}
