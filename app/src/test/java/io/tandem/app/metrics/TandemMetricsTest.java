package io.tandem.app.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tandem.app.FakeClusterRuntime;
import io.tandem.core.agent.Action;
import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.ReasonCode;
import io.tandem.core.event.TandemEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The metrics subscribe to the agent's typed events (13.7): each event type moves its meter. */
class TandemMetricsTest {

  private static final Instant T = Instant.parse("2026-12-07T10:00:00Z");

  @Test
  void decisionsStepsRunsAndTicksReachTheirMeters() {
    FakeClusterRuntime runtime = new FakeClusterRuntime();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new TandemMetrics(runtime).bindTo(registry);

    runtime.emit(
        new TandemEvent.DecisionMade(
            "site-a",
            new Decision(
                Action.NONE,
                ReasonCode.HOLDING_TICKET,
                "no action: holding ticket epoch 1",
                AgentState.ACTIVE,
                AgentState.ACTIVE,
                1,
                T)));
    runtime.emit(
        new TandemEvent.StepFinished(
            "site-a", "run-1", "move", "dns:sip", "DONE", T, T.plusMillis(250), "A 192.0.2.1"));
    runtime.emit(
        new TandemEvent.RunFinished(
            "site-a",
            "run-1",
            "FAILOVER",
            "site-b",
            "site-a",
            "SUCCEEDED",
            T,
            T.plusSeconds(12),
            Optional.of(12_000L),
            Optional.empty()));
    runtime.emit(new TandemEvent.TickCompleted("site-a", 30_000_000L, T));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(
                      registry
                          .get("tandem_decisions_total")
                          .tags("site", "site-a", "reason", "HOLDING_TICKET")
                          .counter()
                          .count())
                  .isEqualTo(1.0);
              assertThat(
                      registry
                          .get("tandem_runbook_step_seconds")
                          .tags("stage", "move", "result", "DONE")
                          .timer()
                          .totalTime(TimeUnit.MILLISECONDS))
                  .isEqualTo(250.0);
              assertThat(registry.get("tandem_rto_seconds").summary().totalAmount())
                  .isEqualTo(12.0);
              assertThat(
                      registry
                          .get("tandem_tick_lateness_seconds")
                          .timer()
                          .totalTime(TimeUnit.MILLISECONDS))
                  .isEqualTo(30.0);
            });
    // the gauges were refreshed from the runtime's status on the decision
    assertThat(
            registry
                .get("tandem_site_state")
                .tags("site", "site-a", "state", "ACTIVE")
                .gauge()
                .value())
        .isEqualTo(1.0);
  }
}
