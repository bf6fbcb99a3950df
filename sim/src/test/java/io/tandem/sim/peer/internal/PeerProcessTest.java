package io.tandem.sim.peer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.sim.peer.PeerStartException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JUnit-free readiness wait of a peer process (it replaced an Awaitility poll). */
class PeerProcessTest {

  @Test
  void aProcessThatExitsBeforeItIsReadyIsReportedAsExitedWithItsLog(@TempDir Path dir) {
    PeerProcess p =
        new PeerProcess(
            "quitter",
            List.of("/bin/sh", "-c", "echo bind failed: address in use; exit 3"),
            dir,
            dir.resolve("quitter.log"),
            Map.of());

    long t0 = System.nanoTime();
    assertThatThrownBy(() -> p.startAndAwait(Duration.ofSeconds(30), () -> false))
        .isInstanceOf(PeerStartException.class)
        .hasMessageContaining("quitter exited with code 3 before it was ready")
        .hasMessageContaining("bind failed: address in use")
        .hasCauseInstanceOf(PeerProcess.ProcessExitedException.class);
    // design bound: an exit is seen at the next poll, not at the 30 s timeout (allowance: 10 s for
    // a loaded CI machine)
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aProcessNeverReadyTimesOutWithTheProbesLastErrorAndIsStopped(@TempDir Path dir)
      throws Exception {
    PeerProcess p =
        new PeerProcess(
            "sleeper", List.of("/bin/sleep", "60"), dir, dir.resolve("sleeper.log"), Map.of());

    assertThatThrownBy(
            () ->
                p.startAndAwait(
                    Duration.ofMillis(300),
                    () -> {
                      throw new java.io.IOException("connection refused");
                    }))
        .isInstanceOf(PeerStartException.class)
        .hasMessageContaining("sleeper was not ready within PT0.3S")
        .hasRootCauseMessage("connection refused");
    assertThat(p.isAlive()).isFalse();
  }

  @Test
  void readinessIsProbedUntilItPasses(@TempDir Path dir) {
    PeerProcess p =
        new PeerProcess(
            "sleeper", List.of("/bin/sleep", "60"), dir, dir.resolve("sleeper.log"), Map.of());
    AtomicInteger probes = new AtomicInteger();
    try {
      p.startAndAwait(Duration.ofSeconds(30), () -> probes.incrementAndGet() >= 3);
      assertThat(probes).hasValue(3);
      assertThat(p.isAlive()).isTrue();
    } finally {
      p.stop();
    }
    assertThat(p.isAlive()).isFalse();
    assertThat(Files.exists(dir.resolve("sleeper.log"))).isTrue();
  }
}
