package io.tandem.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Random schedules of answers, failures and hangs against the real monitor (manual time): flips
 * happen only at fall (timeouts alone: held for fall intervals) or rise consecutive readings, no
 * sensor is ever read twice at once, and the published snapshot only moves forward in time.
 */
class SiteHealthMonitorProperties {

  enum Step {
    OK,
    FAIL,
    HANG,
    RELEASE_ONE,
    WAIT
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    return Arbitraries.of(Step.class).list().ofMinSize(20).ofMaxSize(80);
  }

  @Property(tries = 200)
  void flipsOnlyAtFallOrRiseAndNeverReadsConcurrently(
      @ForAll("steps") List<Step> steps,
      @ForAll @IntRange(min = 1, max = 4) int fall,
      @ForAll @IntRange(min = 1, max = 4) int rise,
      @ForAll boolean initiallyUp) {
    ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    ManualScheduler scheduler = new ManualScheduler(clock);
    ManualExecutor readers = new ManualExecutor();
    ScriptedSensor sensor = new ScriptedSensor("sip", true, 1, clock);
    SiteHealthMonitor m =
        SiteHealthMonitor.builder()
            .site("s")
            .clock(clock)
            .scheduler(scheduler)
            .readers(readers)
            .notifier(Runnable::run)
            .initiallyUp(initiallyUp)
            .sensor(sensor, new Hysteresis(fall, rise))
            .build();
    List<String> violations = new ArrayList<>();
    int[] flips = {0};
    m.addListener(
        (before, after) -> {
          flips[0]++;
          SensorState b = before.sensors().get(0);
          SensorState a = after.sensors().get(0);
          // down: fall bad readings with a FAIL among them, or timeouts alone for the hold
          // (fall intervals since the first; HysteresisProperties checks the exact rule)
          boolean held =
              a.consecutiveBad() > 0
                  && !Duration.between(a.badSince(), a.last().at())
                      .minus(Duration.ofSeconds(2L * fall))
                      .isNegative();
          if (b.up() && !a.up() && (a.consecutiveBad() < fall || !(a.failedInRun() || held))) {
            violations.add("down after " + a.consecutiveBad() + " bad, fall " + fall);
          }
          if (!b.up() && a.up() && a.consecutiveGood() != rise) {
            violations.add("up after " + a.consecutiveGood() + " good, rise " + rise);
          }
        });
    m.start();
    Instant lastAt = m.snapshot().at();
    for (Step step : steps) {
      switch (step) {
        // One interval passes: a reading is due and answers with the scripted status.
        case OK, FAIL -> {
          sensor.then(step == Step.OK ? SensorStatus.OK : SensorStatus.FAIL);
          scheduler.advance(Duration.ofSeconds(2));
          readers.runNext();
        }
        // One interval passes and the reading hangs past its 1 s timeout.
        case HANG -> scheduler.advance(Duration.ofSeconds(2));
        // A hung reading answers late (discarded), or nothing happens if none hangs.
        case RELEASE_ONE -> readers.runNext();
        case WAIT -> scheduler.advance(Duration.ofMillis(700));
      }
      assertThat(readers.held()).as("reads in flight").isLessThanOrEqualTo(1);
      assertThat(m.snapshot().at()).isAfterOrEqualTo(lastAt);
      lastAt = m.snapshot().at();
    }
    assertThat(violations).isEmpty();
    Statistics.label("flips").collect(flips[0] == 0 ? "none" : flips[0] < 3 ? "1-2" : "3+");
    Statistics.label("flips")
        .coverage(c -> c.check("none").percentage(p -> p < 50.0)); // not a vacuous property
  }
}
