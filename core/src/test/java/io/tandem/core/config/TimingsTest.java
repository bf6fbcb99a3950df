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
    assertThat(t.driftMargin()).isEqualTo(ms(500));
    assertThat(t.retryTimeout()).isEqualTo(s(3));
    assertThat(t.fall()).isEqualTo(3);
    assertThat(t.rise()).isEqualTo(2);
    assertThat(t.sensorTimeout()).isLessThan(t.sensorInterval());
  }

  @Test
  void renewIntervalDefaultsToAThirdOfTheTtl() {
    assertThat(Timings.builder().ticketTtl(s(30)).build().renewInterval()).isEqualTo(s(10));
  }

  @Test
  void patroniRuleTickPlusTwoRetriesFitsInTtl() {
    assertThat(fields(Timings.builder().ticketTtl(s(9)).retryTimeout(s(5)).renewInterval(s(2))))
        .as("1 + 2*5 > 9")
        .containsExactly("ticketTtl");
    assertThat(fields(Timings.builder().ticketTtl(s(9)).retryTimeout(s(4)).renewInterval(s(1))))
        .as("1 + 2*4 = 9 <= 9 holds; 1 + 4 + 0.5 < 9 holds")
        .isEmpty();
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
    assertThat(fields(Timings.builder().driftMargin(ms(3334)))).contains("driftMargin");
    assertThat(fields(Timings.builder().driftMargin(Duration.ZERO))).isEmpty();
    assertThat(fields(Timings.builder().driftMargin(ms(-1)))).containsExactly("driftMargin");
  }

  @Test
  void aHungRenewalStillLeavesTimeBeforeTheLocalDeadline() {
    // 3.33 + 4.5 + 2.5 >= 10 breaks I5 only: 1 + 2*4.5 <= 10 and 2.5 < 3.33.
    assertThat(fields(Timings.builder().retryTimeout(ms(4500)).driftMargin(ms(2500))))
        .containsExactly("retryTimeout");
    assertThat(fields(Timings.builder().retryTimeout(ms(4500)).driftMargin(ms(2100)))).isEmpty();
  }

  @Test
  void graceAtLeastATick() {
    assertThat(fields(Timings.builder().witnessGrace(ms(999)))).containsExactly("witnessGrace");
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
