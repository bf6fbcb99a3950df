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

  private static List<String> fields(Timings.Builder b) {
    return b.violations().stream().map(Violation::field).toList();
  }

  @Test
  void defaultsSatisfyEveryInvariant() {
    Timings t = Timings.defaults();
    assertThat(t.tick()).isEqualTo(s(1));
    assertThat(t.ticketTtl()).isEqualTo(s(10));
    assertThat(t.renewInterval()).isEqualTo(Duration.ofMillis(3333).plusNanos(333_333));
    assertThat(t.witnessGrace()).isEqualTo(s(2));
    assertThat(t.driftMargin()).isEqualTo(ms(300));
    assertThat(t.retryTimeout()).isEqualTo(s(1));
    assertThat(t.fenceLead()).isEqualTo(t.tick());
    assertThat(t.peerReportTimeout()).isEqualTo(s(3));
    assertThat(t.startupHold()).isEqualTo(ms(10_300));
    assertThat(t.fall()).isEqualTo(3);
    assertThat(t.rise()).isEqualTo(2);
    assertThat(t.sensorTimeout()).isLessThan(t.sensorInterval());
  }

  @Test
  void derivedDefaultsFollowTheirBase() {
    Timings t = Timings.builder().tick(s(2)).ticketTtl(s(30)).driftMargin(s(1)).build();
    assertThat(t.renewInterval()).isEqualTo(s(10));
    assertThat(t.fenceLead()).isEqualTo(s(2));
    assertThat(t.peerReportTimeout()).isEqualTo(s(6));
    assertThat(t.startupHold()).isEqualTo(s(31));
  }

  @Test
  void renewalBudgetFitsInTheTtlLikePatroni() {
    // 3.33 + 2*3 + 1 + 0.3 > 10
    assertThat(fields(Timings.builder().retryTimeout(s(3)))).containsExactly("retryTimeout");
    assertThat(fields(Timings.builder().ticketTtl(s(9)).retryTimeout(s(3))))
        .containsExactly("ticketTtl");
    // 3 + 2*2 + 1 + 0.3 = 8.3 <= 9
    assertThat(fields(Timings.builder().ticketTtl(s(9)).retryTimeout(s(2)))).isEmpty();
  }

  @Test
  void renewIntervalAtMostAThirdOfTtl() {
    assertThat(fields(Timings.builder().renewInterval(ms(3400)))).containsExactly("renewInterval");
  }

  @Test
  void renewIntervalAtLeastATick() {
    assertThat(fields(Timings.builder().renewInterval(ms(900)))).containsExactly("renewInterval");
  }

  @Test
  void driftMarginBelowAThirdOfTtl() {
    assertThat(fields(Timings.builder().ticketTtl(s(30)).driftMargin(s(10))))
        .containsExactly("driftMargin");
    assertThat(fields(Timings.builder().driftMargin(Duration.ZERO))).isEmpty();
    assertThat(fields(Timings.builder().driftMargin(ms(-1)))).containsExactly("driftMargin");
  }

  @Test
  void fenceLeadAtLeastATick() {
    assertThat(fields(Timings.builder().fenceLead(ms(500)))).containsExactly("fenceLead");
  }

  @Test
  void graceAtLeastATick() {
    assertThat(fields(Timings.builder().witnessGrace(ms(999)))).containsExactly("witnessGrace");
  }

  @Test
  void startupHoldCoversOneTtl() {
    assertThat(fields(Timings.builder().startupHold(s(9)))).containsExactly("startupHold");
  }

  @Test
  void peerReportsLiveAtLeastATick() {
    assertThat(fields(Timings.builder().peerReportTimeout(ms(500))))
        .containsExactly("peerReportTimeout");
  }

  @Test
  void sensorTimeoutShorterThanInterval() {
    assertThat(fields(Timings.builder().sensorTimeout(s(2)))).containsExactly("sensorTimeout");
  }

  @Test
  void countsAndPositiveDurations() {
    assertThat(fields(Timings.builder().fall(0).rise(0).tick(Duration.ZERO)))
        .containsExactlyInAnyOrder("tick", "fall", "rise");
  }

  @Test
  void buildThrowsListingEveryViolation() {
    assertThatThrownBy(() -> Timings.builder().witnessGrace(ms(10)).sensorTimeout(s(9)).build())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageStartingWith("2 problems in configuration:\n  <timings>: witnessGrace:")
        .hasMessageContaining("<timings>: sensorTimeout: expected sensorTimeout < sensorInterval");
  }
}
