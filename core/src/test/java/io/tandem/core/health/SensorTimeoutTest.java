package io.tandem.core.health;

import static io.tandem.core.health.SensorStatus.FAIL;
import static io.tandem.core.health.SensorStatus.OK;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: a sensor reading that times out is not a crash. At the shipped sensor timings (every
 * 500 ms, 400 ms timeout, fall 2) a 30-minute soak at load 7.5–14 saw an AMI reading starved for
 * 873 ms ("still no answer after 873ms") take the healthy holder's site down, and the holder handed
 * over at once. A refused connection or an error answer still takes it down after {@code fall}
 * readings. Deterministic: manual clock, scheduler and reader executor.
 */
class SensorTimeoutTest {

  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final ManualExecutor readers = new ManualExecutor();
  private final ScriptedSensor ami =
      new ScriptedSensor("ami", true, 1, clock, Duration.ofMillis(500), Duration.ofMillis(400));

  /** The shipped defaults: every 500 ms, 400 ms timeout, fall 2, rise 2; starts up. */
  private SiteHealthMonitor monitor() {
    SiteHealthMonitor m =
        SiteHealthMonitor.builder()
            .site("a")
            .clock(clock)
            .scheduler(scheduler)
            .readers(readers)
            .notifier(Runnable::run)
            .initiallyUp(true)
            .sensor(ami, new Hysteresis(2, 2))
            .build();
    m.start();
    scheduler.advance(Duration.ZERO);
    readers.runNext(); // t = 0: OK
    return m;
  }

  private SensorState state(SiteHealthMonitor m) {
    return m.snapshot().sensors().get(0);
  }

  @Test
  void oneReadingThatHangsPastTheNextDueTimeDoesNotTakeTheSiteDown() {
    SiteHealthMonitor m = monitor();
    scheduler.advance(Duration.ofMillis(500)); // t = 0.5 s: a reading starts and hangs
    assertThat(readers.held()).isEqualTo(1);

    scheduler.advance(Duration.ofMillis(400)); // t = 0.9 s: its timeout
    scheduler.advance(Duration.ofMillis(100)); // t = 1.0 s: due again, still hung (2nd TIMEOUT)
    assertThat(state(m).last().detail()).isEqualTo("still no answer after 500ms");
    assertThat(state(m).consecutiveBad()).isEqualTo(2);
    assertThat(m.snapshot().healthy()).as("two timeouts 100 ms apart are one slow moment").isTrue();

    scheduler.advance(Duration.ofMillis(373)); // the starved reading ends (873 ms), discarded
    readers.runNext();
    scheduler.advance(Duration.ofMillis(127)); // t = 1.5 s: a fresh reading answers
    readers.runNext();
    assertThat(state(m).last().status()).isEqualTo(OK);
    assertThat(state(m).up()).isTrue();
    assertThat(m.snapshot().healthy()).isTrue();
  }

  @Test
  void aSensorThatStopsAnsweringGoesDownFallIntervalsAfterItsFirstTimeout() {
    SiteHealthMonitor m = monitor();
    scheduler.advance(Duration.ofMillis(900)); // t = 0.9 s: the reading of 0.5 s timed out
    assertThat(state(m).last().status()).isEqualTo(SensorStatus.TIMEOUT);
    scheduler.advance(Duration.ofMillis(500)); // t = 1.4 s: due at 1.0 s, still hung
    assertThat(m.snapshot().healthy()).isTrue();

    scheduler.advance(Duration.ofMillis(500)); // t = 1.9 s: due at 1.5 s, still hung
    assertThat(state(m).consecutiveBad()).isEqualTo(3);
    assertThat(m.snapshot().healthy()).as("0.6 s since the first timeout").isTrue();

    scheduler.advance(Duration.ofMillis(100)); // t = 2.0 s: 1.1 s since the first timeout
    assertThat(state(m).consecutiveBad()).isEqualTo(4);
    assertThat(state(m).up()).isFalse();
    assertThat(m.snapshot().healthy()).isFalse();
    assertThat(new Hysteresis(2, 2).timeoutHold(ami.spec())).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void anAnswerThatSaysDownStillTakesItDownAfterFallReadings() {
    ami.then(FAIL, FAIL);
    SiteHealthMonitor m = monitor(); // t = 0: FAIL (one reading)
    assertThat(m.snapshot().healthy()).isTrue();
    scheduler.advance(Duration.ofMillis(500)); // t = 0.5 s: FAIL again
    readers.runNext();
    assertThat(state(m).up()).isFalse();
    assertThat(m.snapshot().healthy()).isFalse();
  }

  /**
   * HAProxy's {@code fastinter}: between states the sensor is read again after a fifth of its
   * interval, so a refused PBX is down 100 ms after the first failed reading, not 500 ms.
   */
  @Test
  void aFailedReadingIsCheckedAgainSoonAndTheSiteIsDownAfterTheShortReRead() {
    SiteHealthMonitor m = monitor(); // t = 0: OK
    ami.then(FAIL, FAIL, OK, OK);
    scheduler.advance(Duration.ofMillis(500)); // t = 0.5 s: refused
    readers.runNext();
    assertThat(m.snapshot().healthy()).isTrue();

    scheduler.advance(Duration.ofMillis(100)); // t = 0.6 s: read again at once
    assertThat(readers.held()).as("the re-read started").isEqualTo(1);
    readers.runNext();
    assertThat(state(m).up()).isFalse();
    assertThat(m.snapshot().healthy()).isFalse();

    scheduler.advance(Duration.ofMillis(100)); // t = 0.7 s: down and settled: whole interval
    assertThat(readers.held()).isZero();
    scheduler.advance(Duration.ofMillis(400)); // t = 1.1 s
    readers.runNext(); // OK: rising, re-read soon
    scheduler.advance(Duration.ofMillis(100)); // t = 1.2 s
    readers.runNext();
    assertThat(state(m).up()).isTrue();
    assertThat(ami.reads).isEqualTo(5);
  }

  @Test
  void aTimeoutFollowedByARefusalIsDownAtFallReadings() {
    SiteHealthMonitor m = monitor();
    scheduler.advance(Duration.ofMillis(500)); // t = 0.5 s: hangs
    scheduler.advance(Duration.ofMillis(400)); // t = 0.9 s: TIMEOUT
    readers.runNext(); // the hung reading's late answer: discarded
    ami.then(FAIL);
    scheduler.advance(Duration.ofMillis(100)); // t = 1.0 s: a fresh reading: refused
    readers.runNext();
    assertThat(state(m).last().status()).isEqualTo(FAIL);
    assertThat(state(m).up()).isFalse();
  }
}
