package io.tandem.app.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.core.sync.SyncDecision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sending agent stops dead while the content of a run is on the wire (its loop, its sync run
 * and its server closed at once, as a crash would): the standby's files stay exactly as they were
 * and its ledger records the failed run.
 */
class SenderStoppedSyncTest {

  @TempDir Path dir;
  SyncCluster cluster;

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aSenderStoppedMidTransferLeavesTheStandbyExactlyAsItWas() throws Exception {
    TwoAgentSyncTest.seed(dir);
    String slow =
        TwoAgentSyncTest.SYNC.replace("interval: 2s", "interval: 2s\n    bandwidthLimit: 2MiB");
    cluster = new SyncCluster(dir, slow);
    cluster.startAgents();
    cluster.awaitActive("alpha");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Files.exists(dir.resolve("beta/etc/asterisk").resolve("extensions.conf")));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                cluster
                    .sync("alpha")
                    .ledger()
                    .last("etc-asterisk")
                    .map(d -> d.outcome().success())
                    .orElse(false));
    Map<String, String> before = TwoAgentSyncTest.Trees.of(dir.resolve("beta"));

    // a 12 MiB recording at 2 MiB/s takes about six seconds to send
    byte[] block = new byte[1 << 20];
    new java.util.Random(7).nextBytes(block);
    try (var out =
        Files.newOutputStream(dir.resolve("alpha/etc/asterisk").resolve("greeting.wav"))) {
      for (int i = 0; i < 12; i++) {
        out.write(block);
      }
    }
    Files.writeString(
        dir.resolve("alpha/etc/asterisk").resolve("extensions.conf"),
        "[default]\nexten => 500,1,Answer()\n");
    Path staging = dir.resolve("beta/etc/.tandem-sync");
    await().atMost(Duration.ofSeconds(30)).until(() -> stagedBytes(staging) > 1 << 20);
    cluster.kill("alpha");

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                cluster.sync("beta").ledger().recent(20).stream()
                    .anyMatch(
                        d ->
                            d.outcome() == SyncDecision.Outcome.FAILED
                                && d.from().equals("alpha")));
    assertThat(TwoAgentSyncTest.Trees.of(dir.resolve("beta"))).isEqualTo(before);
  }

  private static long stagedBytes(Path staging) throws java.io.IOException {
    if (!Files.exists(staging)) {
      return 0;
    }
    try (var walk = Files.walk(staging)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> p.getParent().getFileName().toString().startsWith("staging-"))
          .mapToLong(p -> p.toFile().length())
          .sum();
    }
  }
}
