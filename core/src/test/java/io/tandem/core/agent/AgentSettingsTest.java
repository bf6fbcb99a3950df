package io.tandem.core.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.config.Timings;
import io.tandem.core.error.ConfigException;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AgentSettingsTest {

  private static AgentSettings.Builder valid() {
    return AgentSettings.builder().cluster("pbx").site("a").peers(Set.of("b"));
  }

  @Test
  void defaultsAreSafe() {
    AgentSettings s = valid().build();
    // the fast, safe defaults (ADR 0007): three ticks, so an unanswered renewal goes every tick
    assertThat(s.renewInterval()).isEqualTo(Duration.ofMillis(300));
    assertThat(s.fenceLead()).isEqualTo(Duration.ofMillis(300));
    assertThat(s.autoFailback()).isFalse();
    assertThat(s.keepRunningWithoutWitness()).isFalse();
    assertThat(s.witnessOutageFailsafe()).isTrue();
    assertThat(s.startupHold()).isEqualTo(Duration.ofMillis(2_100));
    assertThat(s.peerReportTimeout()).isEqualTo(Duration.ofMillis(300));
  }

  @Test
  void errorsNameTheField() {
    assertThatThrownBy(() -> valid().site(null).build())
        .isInstanceOf(ConfigException.class)
        .hasMessage("agent.site: expected a non-empty name, was missing");
    assertThatThrownBy(() -> valid().peers(Set.of("a")).build())
        .hasMessage("agent.peers: must not contain this site (a)");
    // the timing rules are the cluster file's own (Timings), with the same words
    assertThatThrownBy(() -> valid().tick(Duration.ZERO).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tick: expected a positive duration");
    assertThatThrownBy(() -> valid().startupHold(Duration.ofSeconds(1)).build())
        .hasMessageContaining("startupHold: expected startupHold >= ticketTtl");
  }

  @Test
  void timingBudgetMustFitInsideTheTtl() {
    assertThatThrownBy(
            () ->
                valid()
                    .ticketTtl(Duration.ofSeconds(4))
                    .retryTimeout(Duration.ofSeconds(2))
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "expected renewInterval + 2 * retryTimeout + fenceLead + driftMargin <= ticketTtl");
  }

  @Test
  void theAgentRunsWithExactlyTheClusterTimings() {
    Timings t =
        Timings.builder()
            .tick(Duration.ofMillis(500))
            .ticketTtl(Duration.ofSeconds(6))
            .witnessGrace(Duration.ofSeconds(1))
            .fenceLead(Duration.ofMillis(700))
            .peerReportTimeout(Duration.ofSeconds(2))
            .startupHold(Duration.ofSeconds(9))
            .build();
    AgentSettings s = valid().timings(t).build();
    assertThat(s.timings()).isEqualTo(t);
    assertThat(s.fenceLead()).isEqualTo(Duration.ofMillis(700));
    assertThat(s.peerReportTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.startupHold()).isEqualTo(Duration.ofSeconds(9));
  }

  @Test
  void toBuilderRoundTrips() {
    AgentSettings s = valid().autoFailback(true).build();
    assertThat(s.toBuilder().build()).isEqualTo(s);
  }
}
