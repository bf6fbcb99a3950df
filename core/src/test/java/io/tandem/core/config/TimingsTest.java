package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each timing invariant of docs/configuration.md, broken on its own. */
class TimingsTest {

  private static Duration s(long seconds) {
    return Duration.ofSeconds(seconds);
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /**
   * The classic timings (tick 1 s, TTL 10 s, grace 2 s, drift 300 ms, retry 1 s, sensors 2 s / 1 s)
   * with the derived ones left to their defaults: each rule below is broken from there on its own.
   */
  private static Timings.Builder classic() {
    return Timings.builder()
        .tick(s(1))
        .ticketTtl(s(10))
        .witnessGrace(s(2))
        .driftMargin(ms(300))
        .retryTimeout(s(1))
        .sensorInterval(s(2))
        .sensorTimeout(s(1));
  }

  private static List<String> fields(Timings.Builder b) {
    return b.violations().stream().map(Violation::field).toList();
  }

  @Test
  void defaultsSatisfyEveryInvariant() {
    // the fast, safe profile of ADR 0007
    Timings t = Timings.defaults();
    assertThat(t.tick()).isEqualTo(ms(100));
    assertThat(t.ticketTtl()).isEqualTo(s(2));
    assertThat(t.renewInterval()).isEqualTo(ms(300));
    assertThat(t.witnessGrace()).isEqualTo(ms(300));
    assertThat(t.driftMargin()).isEqualTo(ms(100));
    assertThat(t.retryTimeout()).isEqualTo(ms(500));
    assertThat(t.fenceLead()).isEqualTo(ms(300));
    assertThat(t.peerReportTimeout()).isEqualTo(ms(300));
    assertThat(t.startupHold()).isEqualTo(ms(2_100));
    assertThat(t.fall()).isEqualTo(2);
    assertThat(t.rise()).isEqualTo(2);
    assertThat(t.sensorInterval()).isEqualTo(ms(500));
    assertThat(t.sensorTimeout()).isEqualTo(ms(400));
  }

  @Test
  void derivedDefaultsFollowTheirBase() {
    Timings t =
        Timings.builder().tick(s(2)).ticketTtl(s(30)).witnessGrace(s(2)).driftMargin(s(1)).build();
    assertThat(t.renewInterval()).as("three ticks, under a third of the TTL").isEqualTo(s(6));
    assertThat(t.fenceLead()).isEqualTo(s(2));
    assertThat(t.peerReportTimeout()).isEqualTo(s(6));
    assertThat(t.startupHold()).isEqualTo(s(31));
    Timings longTick = Timings.builder().tick(s(1)).ticketTtl(s(6)).witnessGrace(s(1)).build();
    assertThat(longTick.renewInterval()).as("a third of the TTL").isEqualTo(s(2));
  }

  @Test
  void renewalBudgetFitsInTheTtlLikePatroni() {
    // 3 + 2*3 + 1 + 0.3 > 10: the TTL was set, so it is the field to change
    assertThat(fields(classic().retryTimeout(s(3)))).containsExactly("ticketTtl");
    // at the defaults, 0.3 + 2*1 + 0.3 + 0.1 > 2: the retry timeout was set
    assertThat(fields(Timings.builder().retryTimeout(s(1)))).containsExactly("retryTimeout");
    assertThat(fields(classic().ticketTtl(s(9)).retryTimeout(s(3)))).containsExactly("ticketTtl");
    // 3 + 2*2 + 1 + 0.3 = 8.3 <= 9
    assertThat(fields(classic().ticketTtl(s(9)).retryTimeout(s(2)))).isEmpty();
  }

  @Test
  void renewIntervalAtMostAThirdOfTtl() {
    assertThat(fields(classic().renewInterval(ms(3400)))).containsExactly("renewInterval");
  }

  @Test
  void renewIntervalAtLeastATick() {
    assertThat(fields(classic().renewInterval(ms(900)))).containsExactly("renewInterval");
  }

  @Test
  void driftMarginBelowAThirdOfTtl() {
    assertThat(fields(classic().ticketTtl(s(30)).driftMargin(s(10))))
        .containsExactly("driftMargin");
    assertThat(fields(classic().driftMargin(Duration.ZERO))).isEmpty();
    assertThat(fields(classic().driftMargin(ms(-1)))).containsExactly("driftMargin");
  }

  @Test
  void fenceLeadAtLeastATick() {
    assertThat(fields(classic().fenceLead(ms(500)))).containsExactly("fenceLead");
  }

  @Test
  void graceAtLeastATick() {
    assertThat(fields(classic().witnessGrace(ms(999)))).containsExactly("witnessGrace");
  }

  @Test
  void startupHoldCoversOneTtl() {
    assertThat(fields(classic().startupHold(s(9)))).containsExactly("startupHold");
  }

  @Test
  void peerReportsLiveAtLeastATick() {
    assertThat(fields(classic().peerReportTimeout(ms(500)))).containsExactly("peerReportTimeout");
  }

  @Test
  void sensorTimeoutShorterThanInterval() {
    assertThat(fields(classic().sensorTimeout(s(2)))).containsExactly("sensorTimeout");
  }

  @Test
  void countsAndPositiveDurations() {
    assertThat(fields(classic().fall(0).rise(0).tick(Duration.ZERO)))
        .containsExactlyInAnyOrder("tick", "fall", "rise");
  }

  @Test
  void buildThrowsListingEveryViolation() {
    assertThatThrownBy(() -> classic().witnessGrace(ms(10)).sensorTimeout(s(9)).build())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageStartingWith("2 problems in configuration:\n  <timings>: witnessGrace:")
        .hasMessageContaining("<timings>: sensorTimeout: expected sensorTimeout < sensorInterval");
  }
}
