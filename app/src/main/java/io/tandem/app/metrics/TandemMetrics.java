package io.tandem.app.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tandem.app.api.ClusterRuntime;
import io.tandem.app.api.ClusterStatus;
import io.tandem.core.event.EventPublisher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Prometheus metrics ({@code tandem_*}): state per site, ticket epoch, sensor status, decisions by
 * reason, runbook step durations, RTO histogram, tick lateness histogram. They subscribe to the
 * agent's typed event bus; gauges are refreshed from the runtime's status on each decision (every
 * tick), so a scrape never calls into the decision loop.
 */
@Component
public class TandemMetrics implements MeterBinder {

  // UNREACHABLE: a peer whose report is older than the report timeout (never its last state)
  private static final List<String> STATES =
      List.of(
          "STARTING",
          "STANDBY",
          "ACQUIRING",
          "ACTIVE",
          "FENCING",
          "FENCED",
          "MAINTENANCE",
          "UNREACHABLE");

  private final ClusterRuntime runtime;
  private volatile ClusterStatus last;

  public TandemMetrics(ClusterRuntime runtime) {
    this.runtime = runtime;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    last = runtime.status();
    MultiGauge state =
        MultiGauge.builder("tandem_site_state")
            .description("1 for the state each site is in, 0 for the others")
            .register(registry);
    MultiGauge healthy =
        MultiGauge.builder("tandem_site_healthy")
            .description("1 when the site's aggregated health is good")
            .register(registry);
    MultiGauge sensors =
        MultiGauge.builder("tandem_sensor_up")
            .description("1 when the sensor passes after hysteresis")
            .register(registry);
    Gauge.builder(
            "tandem_ticket_epoch",
            this,
            m -> m.last == null || m.last.ticket() == null ? 0 : m.last.ticket().epoch())
        .description("Epoch of the ticket as last observed")
        .register(registry);
    DistributionSummary rto =
        DistributionSummary.builder("tandem_rto_seconds")
            .description("Recovery time of finished runs (detection to verified)")
            .publishPercentileHistogram()
            .serviceLevelObjectives(5, 10, 30, 60, 120, 300)
            .register(registry);
    refresh(state, healthy, sensors);
    Timer lateness =
        Timer.builder("tandem_tick_lateness_seconds")
            .description("How late each decision tick ran against its schedule")
            .publishPercentileHistogram()
            .serviceLevelObjectives(
                Duration.ofMillis(10),
                Duration.ofMillis(50),
                Duration.ofMillis(100),
                Duration.ofMillis(250),
                Duration.ofMillis(500),
                Duration.ofSeconds(1))
            .register(registry);
    EventPublisher events = runtime.events();
    events.onDecision(
        d -> {
          Counter.builder("tandem_decisions_total")
              .description("Decisions of the decision loop by reason code")
              .tags("site", d.site(), "reason", d.decision().reason().name())
              .register(registry)
              .increment();
          last = runtime.status();
          refresh(state, healthy, sensors);
        });
    events.onStepFinished(
        s -> {
          if (s.startedAt() != null && s.endedAt() != null) {
            Timer.builder("tandem_runbook_step_seconds")
                .description("Duration of runbook steps")
                .tags("stage", s.stage(), "result", s.status())
                .register(registry)
                .record(Duration.between(s.startedAt(), s.endedAt()));
          }
        });
    events.onRunFinished(r -> r.rtoMillis().ifPresent(ms -> rto.record(ms / 1000.0)));
    events.onTickCompleted(t -> lateness.record(Duration.ofNanos(t.latenessNanos())));
  }

  private void refresh(MultiGauge state, MultiGauge healthy, MultiGauge sensors) {
    ClusterStatus s = last;
    if (s == null) {
      return;
    }
    List<MultiGauge.Row<?>> stateRows = new ArrayList<>();
    List<MultiGauge.Row<?>> healthRows = new ArrayList<>();
    List<MultiGauge.Row<?>> sensorRows = new ArrayList<>();
    for (var site : s.sites()) {
      for (String st : STATES) {
        stateRows.add(
            MultiGauge.Row.of(
                Tags.of("site", site.name(), "state", st), st.equals(site.state()) ? 1 : 0));
      }
      healthRows.add(MultiGauge.Row.of(Tags.of("site", site.name()), site.healthy() ? 1 : 0));
      for (var sensor : site.sensors()) {
        sensorRows.add(
            MultiGauge.Row.of(
                Tags.of("site", site.name(), "sensor", sensor.name()), sensor.up() ? 1 : 0));
      }
    }
    state.register(stateRows, true);
    healthy.register(healthRows, true);
    sensors.register(sensorRows, true);
  }
}
