package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  void parsesOperatorForms() {
    assertThat(Durations.parse("500ms")).contains(Duration.ofMillis(500));
    assertThat(Durations.parse("3s")).contains(Duration.ofSeconds(3));
    assertThat(Durations.parse("2m")).contains(Duration.ofMinutes(2));
    assertThat(Durations.parse("1h")).contains(Duration.ofHours(1));
    assertThat(Durations.parse("1d")).contains(Duration.ofDays(1));
    assertThat(Durations.parse("1m30s")).contains(Duration.ofSeconds(90));
    assertThat(Durations.parse(" 3s ")).contains(Duration.ofSeconds(3));
    assertThat(Durations.parse("PT0.25S")).contains(Duration.ofMillis(250));
  }

  @Test
  void refusesWhatIsNotADuration() {
    assertThat(Durations.parse("5")).isEmpty();
    assertThat(Durations.parse("3 s")).isEmpty();
    assertThat(Durations.parse("1.5s")).isEmpty();
    assertThat(Durations.parse("3sec")).isEmpty();
    assertThat(Durations.parse("-3s")).isEmpty();
    assertThat(Durations.parse("Pfoo")).isEmpty();
    assertThat(Durations.parse("99999999999999999999s")).isEmpty();
  }

  @Test
  void formatsShortly() {
    assertThat(Durations.format(Duration.ofMillis(90_250))).isEqualTo("1m30s250ms");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(Durations.format(Duration.ofSeconds(-3))).isEqualTo("-3s");
  }

  @Property(tries = 300)
  void formatThenParseIsTheIdentityToTheMillisecond(
      @ForAll @LongRange(min = 1, max = 86_400_000L * 3) long millis) {
    Duration d = Duration.ofMillis(millis);
    assertThat(Durations.parse(Durations.format(d))).contains(d);
  }
}
