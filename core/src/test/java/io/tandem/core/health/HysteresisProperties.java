package io.tandem.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Hysteresis and aggregation hold for every sequence of readings. */
class HysteresisProperties {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final SensorSpec SPEC =
      new SensorSpec("s", "test", false, 1, Duration.ofSeconds(2), Duration.ofSeconds(1));

  @Property(tries = 500)
  void aSensorNeverFlipsWithoutFallOrRiseConsecutiveReadings(
      @ForAll @IntRange(min = 1, max = 5) int fall,
      @ForAll @IntRange(min = 1, max = 5) int rise,
      @ForAll boolean initiallyUp,
      @ForAll @Size(max = 60) List<SensorStatus> readings) {
    Hysteresis h = new Hysteresis(fall, rise);
    SensorState state = h.initial(SPEC, initiallyUp, T0);
    List<Boolean> good = new ArrayList<>();
    List<SensorStatus> seen = new ArrayList<>();
    List<Instant> times = new ArrayList<>();
    Instant at = T0;
    for (SensorStatus status : readings) {
      at = at.plus(SPEC.interval()); // one reading per interval
      SensorState next = h.next(state, new SensorReading(status, 0, "", status.name(), at));
      good.add(status.good());
      seen.add(status);
      times.add(at);
      int bad = lastRun(good, false);
      // a bad run with a FAIL in it needs fall readings; timeouts alone must also last the hold
      boolean failed = seen.subList(seen.size() - bad, seen.size()).contains(SensorStatus.FAIL);
      boolean held =
          bad > 0
              && !Duration.between(times.get(times.size() - bad), at)
                  .minus(h.timeoutHold(SPEC))
                  .isNegative();
      if (state.up() && !next.up()) {
        assertThat(bad).as("went down").isGreaterThanOrEqualTo(fall);
        assertThat(failed || held).as("a FAIL in the run, or silence for the hold").isTrue();
      }
      if (!state.up() && next.up()) {
        assertThat(lastRun(good, true)).as("came up").isEqualTo(rise);
      }
      // Liveness: fall bad readings with a FAIL, or timeouts for the hold, leave it down; rise
      // good readings in a row leave it up.
      if (bad >= fall && (failed || held)) {
        assertThat(next.up()).isFalse();
      }
      if (lastRun(good, true) >= rise) {
        assertThat(next.up()).isTrue();
      }
      state = next;
    }
  }

  @Property(tries = 300)
  void aCriticalSensorDownAlwaysVetoesAndAllUpIsAlwaysHealthy(
      @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 3) Integer> kinds,
      @ForAll @IntRange(min = 0, max = 100) int threshold) {
    // kind: 0 critical up, 1 critical down, 2 weighted up, 3 weighted down
    List<SensorState> states = new ArrayList<>();
    for (int i = 0; i < kinds.size(); i++) {
      int k = kinds.get(i);
      SensorSpec spec =
          new SensorSpec(
              "s" + i, "t", k < 2, 1 + i % 3, Duration.ofSeconds(2), Duration.ofSeconds(1));
      boolean up = k % 2 == 0;
      states.add(
          new SensorState(
              spec,
              new SensorReading(up ? SensorStatus.OK : SensorStatus.FAIL, 0, "", "", T0),
              up,
              0,
              0));
    }
    SiteHealth h = HealthAggregation.aggregate("x", states, threshold, T0);
    if (kinds.contains(1)) {
      assertThat(h.healthy()).isFalse();
      assertThat(h.summary()).startsWith("unhealthy: critical");
    }
    if (kinds.stream().allMatch(k -> k % 2 == 0)) {
      assertThat(h.healthy()).isTrue();
    }
    assertThat(h.passing()).isEqualTo((int) kinds.stream().filter(k -> k % 2 == 0).count());
  }

  private static int lastRun(List<Boolean> good, boolean value) {
    int n = 0;
    for (int i = good.size() - 1; i >= 0 && good.get(i) == value; i--) {
      n++;
    }
    return n;
  }
}
