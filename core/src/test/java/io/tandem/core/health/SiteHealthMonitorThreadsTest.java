package io.tandem.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** The same guarantees on real threads: a sensor that hangs forever never blocks snapshot(). */
class SiteHealthMonitorThreadsTest {

  @Test
  void aSensorHungOnRealThreadsTimesOutAndSnapshotNeverBlocks() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    HealthSensor hung =
        new HealthSensor() {
          final SensorSpec spec =
              new SensorSpec(
                  "hung", "test", true, 1, Duration.ofMillis(200), Duration.ofMillis(50));

          @Override
          public SensorSpec spec() {
            return spec;
          }

          @Override
          public SensorReading read() {
            try {
              never.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return SensorReading.ok(0, "", "released", Clock.systemUTC().instant());
          }
        };
    try (ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
        ExecutorTaskScheduler scheduler = ExecutorTaskScheduler.singleThread("health-timer");
        SiteHealthMonitor m =
            SiteHealthMonitor.builder()
                .site("berlin")
                .scheduler(scheduler)
                .readers(readers)
                .initiallyUp(true)
                .sensor(hung, new Hysteresis(2, 1))
                .build()) {
      m.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> !m.snapshot().healthy());
      SensorState st = m.snapshot().sensors().get(0);
      assertThat(st.last().status()).isEqualTo(SensorStatus.TIMEOUT);
      assertThat(st.consecutiveBad()).isGreaterThanOrEqualTo(2);
      never.countDown();
    }
  }

  @Test
  void withOwnExecutorsItReadsAndClosesCleanly() {
    HealthSensor ok =
        new HealthSensor() {
          final SensorSpec spec =
              new SensorSpec("ok", "test", true, 1, Duration.ofMillis(100), Duration.ofMillis(50));

          @Override
          public SensorSpec spec() {
            return spec;
          }

          @Override
          public SensorReading read() {
            return SensorReading.ok(1, "ms", "fine", Clock.systemUTC().instant());
          }
        };
    SiteHealthMonitor m =
        SiteHealthMonitor.builder().site("own").sensor(ok, new Hysteresis(1, 2)).build();
    List<Boolean> heard = new CopyOnWriteArrayList<>();
    m.addListener((before, after) -> heard.add(after.healthy()));
    m.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> m.snapshot().healthy());
    await().atMost(Duration.ofSeconds(10)).until(() -> heard.contains(true));
    m.close();
    assertThat(m.snapshot().summary()).isEqualTo("healthy 1/1");
  }
}
