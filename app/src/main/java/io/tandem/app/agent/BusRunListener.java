package io.tandem.app.agent;

import io.tandem.app.api.RunView;
import io.tandem.core.event.EventBus;
import io.tandem.core.event.TandemEvent;
import io.tandem.core.runbook.report.RunReport;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Puts the runs the site effects start and finish on the agent's event bus, typed: a run that ends
 * with a report is told from its report; one that ended without one (it could not even be built)
 * keeps what its start said. Thread-safe.
 */
final class BusRunListener implements RunbookSiteActions.RunListener {

  private final String site;
  private final EventBus bus;
  private final Clock clock;
  private final Map<String, TandemEvent.RunStarted> started = new ConcurrentHashMap<>();

  BusRunListener(String site, EventBus bus, Clock clock) {
    this.site = site;
    this.bus = bus;
    this.clock = clock;
  }

  @Override
  public void started(String runId, String kind, String from, String to) {
    TandemEvent.RunStarted e =
        new TandemEvent.RunStarted(site, runId, kind, from, to, clock.instant());
    started.put(runId, e);
    bus.publish(e);
  }

  @Override
  public void finished(String runId, Optional<RunReport> report, String error) {
    TandemEvent.RunStarted s = started.remove(runId);
    Instant now = clock.instant();
    TandemEvent.RunFinished e =
        report
            .map(
                r -> {
                  RunView v = RunView.of(r);
                  return new TandemEvent.RunFinished(
                      site,
                      runId,
                      v.kind(),
                      v.from(),
                      v.to(),
                      v.state(),
                      v.startedAt(),
                      v.endedAt() == null ? now : v.endedAt(),
                      Optional.ofNullable(v.rtoMillis()),
                      Optional.of(r));
                })
            .orElseGet(
                () ->
                    new TandemEvent.RunFinished(
                        site,
                        runId,
                        s == null ? "FAILOVER" : s.kind(),
                        s == null ? null : s.from(),
                        site,
                        "FAILED: " + error,
                        s == null ? null : s.at(),
                        now,
                        Optional.empty(),
                        Optional.empty()));
    bus.publish(e);
  }
}
