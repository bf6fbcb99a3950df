package io.tandem.core.health;

import static io.tandem.core.health.SensorStatus.FAIL;
import static io.tandem.core.health.SensorStatus.OK;
import static io.tandem.core.health.SensorStatus.WARN;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Deterministic: a manual clock, a manual scheduler, readings run or held by the test. */
class SiteHealthMonitorTest {

  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final Hysteresis fall2rise2 = new Hysteresis(2, 2);

  private SiteHealthMonitor.Builder monitor() {
    return SiteHealthMonitor.builder()
        .site("berlin")
        .clock(clock)
        .scheduler(scheduler)
        .readers(Runnable::run)
        .notifier(Runnable::run);
  }

  @Test
  void startsDownAndEarnsHealthWithRiseGoodReadings() {
    ScriptedSensor sip = new ScriptedSensor("sip", true, 1, clock);
    SiteHealthMonitor m = monitor().sensor(sip, fall2rise2).build();
    assertThat(m.snapshot().healthy()).isFalse();
    assertThat(m.snapshot().summary()).contains("no reading yet");

    m.start();
    scheduler.advance(Duration.ZERO);
    assertThat(sip.reads).isEqualTo(1);
    assertThat(m.snapshot().healthy()).as("one good reading is not enough").isFalse();

    // between states it is read again after a fifth of its interval (HAProxy's fastinter)
    scheduler.advance(Duration.ofMillis(400));
    assertThat(sip.reads).isEqualTo(2);
    assertThat(m.snapshot().healthy()).isTrue();
    assertThat(m.snapshot().summary()).isEqualTo("healthy 1/1");
    assertThat(m.snapshot().at()).isEqualTo(Instant.parse("2026-01-01T00:00:00.400Z"));
  }

  @Test
  void initiallyUpIsHealthyBeforeAnyReading() {
    SiteHealthMonitor m =
        monitor()
            .initiallyUp(true)
            .sensor(new ScriptedSensor("sip", true, 1, clock), fall2rise2)
            .build();
    assertThat(m.snapshot().healthy()).isTrue();
    assertThat(m.snapshot().sensors().get(0).up()).isTrue();
  }

  @Test
  void eachSensorRunsOnItsOwnInterval() {
    ScriptedSensor fast = new ScriptedSensor("fast", false, 1, clock);
    HealthSensor slow =
        new HealthSensor() {
          final SensorSpec spec =
              new SensorSpec("slow", "x", false, 1, Duration.ofSeconds(10), Duration.ofSeconds(1));
          int reads;

          @Override
          public SensorSpec spec() {
            return spec;
          }

          @Override
          public SensorReading read() {
            reads++;
            return SensorReading.ok(reads, "reads", "read " + reads, clock.instant());
          }
        };
    SiteHealthMonitor m = monitor().sensor(fast, fall2rise2).sensor(slow, fall2rise2).build();
    m.start();
    scheduler.advance(Duration.ofSeconds(20));
    assertThat(fast.reads).isEqualTo(11); // t = 0, 2, ..., 20
    assertThat(m.snapshot().sensors().get(1).last().value()).isEqualTo(3.0); // t = 0, 10, 20
  }

  @Test
  void fallBadReadingsInARowTakeASensorDownAndCriticalVetoes() {
    ScriptedSensor sip =
        new ScriptedSensor("sip", true, 1, clock).then(OK, OK, FAIL, OK, FAIL, FAIL);
    ScriptedSensor disk = new ScriptedSensor("disk", false, 5, clock);
    SiteHealthMonitor m = monitor().sensor(sip, fall2rise2).sensor(disk, fall2rise2).build();
    m.start();
    // readings between states come a fifth of the interval (400 ms) after the last one
    scheduler.advance(Duration.ofMillis(400)); // t = 0, 0.4 s: OK OK -> up
    assertThat(m.snapshot().healthy()).isTrue();
    scheduler.advance(Duration.ofSeconds(2)); // t = 2.4 s: FAIL: one bad, still up
    assertThat(m.snapshot().healthy()).isTrue();
    assertThat(m.snapshot().summary()).isEqualTo("healthy 2/2");
    scheduler.advance(Duration.ofMillis(400)); // t = 2.8 s: OK resets the run
    scheduler.advance(Duration.ofSeconds(2)); // t = 4.8 s: FAIL
    assertThat(m.snapshot().healthy()).isTrue();
    scheduler.advance(Duration.ofMillis(400)); // t = 5.2 s: FAIL FAIL -> down, critical veto
    SiteHealth h = m.snapshot();
    assertThat(h.healthy()).isFalse();
    assertThat(h.passing()).isEqualTo(1);
    assertThat(h.summary()).isEqualTo("unhealthy: critical sip (sip FAIL) down");
  }

  @Test
  void weightedScoreMustReachTheThreshold() {
    ScriptedSensor a = new ScriptedSensor("a", false, 3, clock).then(OK, OK, FAIL);
    ScriptedSensor b = new ScriptedSensor("b", false, 1, clock).then(OK, OK, FAIL);
    SiteHealthMonitor m =
        monitor().minimumHealthPercent(75).sensor(a, fall2rise2).sensor(b, fall2rise2).build();
    m.start();
    scheduler.advance(Duration.ofSeconds(6)); // a, b: OK OK FAIL FAIL -> both down at t=6
    assertThat(m.snapshot().healthy()).isFalse();
    assertThat(m.snapshot().summary()).startsWith("unhealthy: score 0% < 75%");

    SiteHealthMonitor m2 =
        monitor()
            .minimumHealthPercent(75)
            .sensor(new ScriptedSensor("a", false, 3, clock), fall2rise2)
            .sensor(new ScriptedSensor("b", false, 1, clock).then(OK, OK, FAIL), fall2rise2)
            .build();
    m2.start();
    scheduler.advance(Duration.ofSeconds(6));
    assertThat(m2.snapshot().healthy()).as("3 of 4 weight up = 75%").isTrue();
    assertThat(m2.snapshot().summary()).isEqualTo("healthy 1/2 (score 75%, down: b (b FAIL))");
  }

  @Test
  void warnCountsAsGood() {
    SiteHealthMonitor m =
        monitor().sensor(new ScriptedSensor("ntp", true, 1, clock).then(WARN), fall2rise2).build();
    m.start();
    scheduler.advance(Duration.ofSeconds(2));
    assertThat(m.snapshot().healthy()).isTrue();
  }

  @Test
  void aThrowingSensorCountsAsFailed() {
    ScriptedSensor s =
        new ScriptedSensor("ami", true, 1, clock).throwing(new IllegalStateException("refused"));
    SiteHealthMonitor m = monitor().initiallyUp(true).sensor(s, fall2rise2).build();
    m.start();
    scheduler.advance(Duration.ofSeconds(2));
    SensorState st = m.snapshot().sensors().get(0);
    assertThat(st.up()).isFalse();
    assertThat(st.last().status()).isEqualTo(FAIL);
    assertThat(st.last().detail()).isEqualTo("sensor threw IllegalStateException: refused");
  }

  @Test
  void aHungSensorCountsAsTimeoutAfterItsTimeoutAndIsNotReadTwiceAtOnce() {
    ManualExecutor readers = new ManualExecutor();
    ScriptedSensor sip = new ScriptedSensor("sip", true, 1, clock);
    SiteHealthMonitor m =
        monitor().readers(readers).initiallyUp(true).sensor(sip, fall2rise2).build();
    m.start();
    scheduler.advance(Duration.ZERO);
    assertThat(readers.held()).isEqualTo(1); // reading started, hangs (never run)
    scheduler.advance(Duration.ofMillis(999));
    assertThat(m.snapshot().sensors().get(0).last().detail()).contains("no reading yet");

    scheduler.advance(Duration.ofMillis(1)); // t = 1 s: timeout
    SensorState st = m.snapshot().sensors().get(0);
    assertThat(st.last().status()).isEqualTo(SensorStatus.TIMEOUT);
    assertThat(st.last().detail()).isEqualTo("no answer within 1s");
    assertThat(st.up()).as("one timeout < fall").isTrue();

    scheduler.advance(Duration.ofSeconds(1)); // t = 2 s: due again, still hung
    st = m.snapshot().sensors().get(0);
    assertThat(readers.held()).as("no second concurrent read").isEqualTo(1);
    assertThat(st.last().detail()).isEqualTo("still no answer after 2s");
    // two timeouts, but silence goes down only after fall intervals (SensorTimeoutTest)
    assertThat(st.up()).isTrue();

    // The hung read finally answers OK: too late, discarded.
    readers.runNext();
    assertThat(sip.reads).isEqualTo(1);
    assertThat(m.snapshot().sensors().get(0).consecutiveBad()).isEqualTo(2);

    // The next due reading starts a fresh read.
    scheduler.advance(Duration.ofSeconds(2));
    assertThat(readers.held()).isEqualTo(1);
    readers.runNext();
    assertThat(m.snapshot().sensors().get(0).last().status()).isEqualTo(OK);
  }

  @Test
  void listenersHearFlipsInOrderButNotUnchangedReadings() {
    ScriptedSensor sip = new ScriptedSensor("sip", true, 1, clock).then(OK, OK, OK, FAIL, FAIL);
    SiteHealthMonitor m = monitor().sensor(sip, fall2rise2).build();
    List<String> heard = new ArrayList<>();
    m.addListener((before, after) -> heard.add(before.healthy() + "->" + after.healthy()));
    m.start();
    scheduler.advance(Duration.ofSeconds(10));
    // heard: the first OK reading (a reading's verdict changed, the sensor not yet up), the rise,
    // the first FAIL reading (still up), the fall; never the unchanged second and third OK
    assertThat(heard).containsExactly("false->false", "false->true", "true->true", "true->false");
  }

  @Test
  void aFailingListenerDoesNotStopOthers() {
    SiteHealthMonitor m =
        monitor().sensor(new ScriptedSensor("sip", true, 1, clock), new Hysteresis(1, 1)).build();
    List<Boolean> heard = new ArrayList<>();
    m.addListener(
        (b, a) -> {
          throw new IllegalStateException("listener bug");
        });
    m.addListener((b, a) -> heard.add(a.healthy()));
    m.start();
    scheduler.advance(Duration.ZERO);
    assertThat(heard).containsExactly(true);
  }

  @Test
  void closeStopsSchedulingAndIgnoresLateAnswers() {
    ManualExecutor readers = new ManualExecutor();
    ScriptedSensor sip = new ScriptedSensor("sip", true, 1, clock);
    SiteHealthMonitor m = monitor().readers(readers).sensor(sip, new Hysteresis(1, 1)).build();
    m.start();
    scheduler.advance(Duration.ZERO);
    m.close();
    readers.runNext();
    assertThat(m.snapshot().sensors().get(0).last().detail()).contains("no reading yet");
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void aSiteWithoutSensorsIsHealthy() {
    SiteHealthMonitor m = monitor().build();
    assertThat(m.snapshot().healthy()).isTrue();
    assertThat(m.snapshot().summary()).isEqualTo("healthy 0/0");
  }
}
