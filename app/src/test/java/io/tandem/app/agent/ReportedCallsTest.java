package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.core.health.SiteHealth;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.PbxStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The calls an agent reports to its peers when no sensor counts them: a successor's drain reads
 * them when it cannot ask the old site's PBX itself (HandoverDrainSourceTest). A crashed PBX
 * carries no calls; reporting "cannot tell" made the successor's drain of a PBX-crash hand-over
 * retry until its timeout (bench-failover, shipped defaults: drain:b BEST_EFFORT_FAILED after 3.7
 * s, "its agent has not reported its calls").
 */
class ReportedCallsTest {

  final AtomicBoolean healthy = new AtomicBoolean(true);
  final AtomicBoolean running = new AtomicBoolean(true);
  final AtomicInteger asked = new AtomicInteger();
  final AtomicReference<Long> now = new AtomicReference<>(0L);

  final PbxControl pbx =
      new PbxControl() {
        @Override
        public boolean notRunning() {
          asked.incrementAndGet();
          return !running.get();
        }

        @Override
        public PbxStatus status() {
          throw new AssertionError("the report must not ask the PBX for its status");
        }

        @Override
        public void stopNewCalls() {}

        @Override
        public void acceptNewCalls() {}

        @Override
        public void registerTrunk(String trunk) {}

        @Override
        public void unregisterTrunk(String trunk) {}

        @Override
        public void gracefulStop() {}
      };

  final ReportedCalls calls =
      new ReportedCalls(() -> SiteHealth.of("b", healthy.get(), Instant.EPOCH), pbx, now::get);

  @Test
  void aCrashedPbxIsReportedWithNoCallsOnceKnownAndAHealthyOneIsNeverAsked() {
    assertThat(calls.getAsInt()).isEqualTo(-1);
    assertThat(asked).hasValue(0);

    healthy.set(false);
    running.set(false);
    // the first report does not wait for the PBX (the loop must not block); a later one knows
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              now.set(now.get() + ReportedCalls.RECHECK.toNanos());
              assertThat(calls.getAsInt()).isZero();
            });
  }

  @Test
  void aPbxThatCrashesRightAfterTheSiteWasUnhealthyForAnotherReasonIsAskedAtOnce() {
    healthy.set(false);
    calls.getAsInt();
    await().atMost(Duration.ofSeconds(5)).until(() -> asked.get() == 1);
    healthy.set(true);
    assertThat(calls.getAsInt()).isEqualTo(-1);
    // unhealthy again within the recheck interval, now with the PBX gone: asked at once
    healthy.set(false);
    running.set(false);
    calls.getAsInt();
    await().atMost(Duration.ofSeconds(5)).until(() -> asked.get() == 2);
    await().atMost(Duration.ofSeconds(5)).until(() -> calls.getAsInt() == 0);
  }

  @Test
  void anUnhealthySiteWhosePbxRunsStillCannotTell() {
    healthy.set(false);
    calls.getAsInt();
    await().atMost(Duration.ofSeconds(5)).until(() -> asked.get() > 0);
    assertThat(calls.getAsInt()).isEqualTo(-1);
    // not asked again within the recheck interval
    int before = asked.get();
    calls.getAsInt();
    calls.getAsInt();
    assertThat(asked.get()).isEqualTo(before);
  }
}
