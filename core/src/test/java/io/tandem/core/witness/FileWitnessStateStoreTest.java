package io.tandem.core.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileWitnessStateStoreTest {

  static final Instant EXPIRY = Instant.parse("2026-01-01T00:00:10Z");
  static final Duration TTL = Duration.ofSeconds(10);

  @TempDir Path dir;

  private Path log() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".log"))
          .findFirst()
          .orElseThrow();
    }
  }

  @Test
  void savesDurablyAndLoadsTheLatestRecordPerCluster() {
    try (FileWitnessStateStore store = new FileWitnessStateStore(dir)) {
      store.save(new PersistedTicket("pbx/main: 1 = x", "site a", 7, EXPIRY, TTL));
      store.save(new PersistedTicket("pbx/main: 1 = x", null, 8, EXPIRY, TTL));
      store.save(new PersistedTicket("other", "b", 1, EXPIRY, Duration.ofSeconds(5)));
    }
    try (FileWitnessStateStore reopened = new FileWitnessStateStore(dir)) {
      var loaded = reopened.loadAll();
      assertThat(loaded).hasSize(2);
      assertThat(loaded.get("pbx/main: 1 = x"))
          .isEqualTo(new PersistedTicket("pbx/main: 1 = x", null, 8, EXPIRY, TTL));
      assertThat(loaded.get("other").holder()).isEqualTo("b");
    }
  }

  @Test
  void anEditedEpochStopsTheWitnessNamingTheFileLineAndCause() throws IOException {
    try (FileWitnessStateStore store = new FileWitnessStateStore(dir)) {
      store.save(new PersistedTicket("pbx", "a", 7, EXPIRY, TTL));
      store.save(new PersistedTicket("pbx", "b", 8, EXPIRY, TTL));
    }
    Path log = log();
    String text = Files.readString(log);
    assertThat(text).containsPattern("(?m)^[0-9a-f]{8} cluster=pbx holder=b epoch=8 ");
    Files.writeString(log, text.replace("epoch=8", "epoch=3"));
    assertThatThrownBy(() -> new FileWitnessStateStore(dir))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "witness state file " + log + " line 2 is damaged: checksum mismatch");
  }

  @Test
  void aTornLastLineIsANeverAnsweredSaveAndIsCut() throws IOException {
    try (FileWitnessStateStore store = new FileWitnessStateStore(dir)) {
      store.save(new PersistedTicket("pbx", "a", 7, EXPIRY, TTL));
    }
    Path log = log();
    String whole = Files.readString(log);
    Files.writeString(log, whole.substring(0, 30), StandardOpenOption.APPEND);
    try (FileWitnessStateStore reopened = new FileWitnessStateStore(dir)) {
      assertThat(reopened.loadAll().get("pbx").epoch()).isEqualTo(7);
      reopened.save(new PersistedTicket("pbx", "b", 8, EXPIRY, TTL));
    }
    try (FileWitnessStateStore again = new FileWitnessStateStore(dir)) {
      assertThat(again.loadAll().get("pbx").epoch()).as("appends after the cut").isEqualTo(8);
    }
  }

  @Test
  void aCompleteLineThatDoesNotVerifyIsDamageWhereverItIs() throws IOException {
    try (FileWitnessStateStore store = new FileWitnessStateStore(dir)) {
      store.save(new PersistedTicket("pbx", "a", 7, EXPIRY, TTL));
    }
    Path log = log();
    Files.writeString(log, "garbage\n" + Files.readString(log));
    assertThatThrownBy(() -> new FileWitnessStateStore(dir))
        .hasMessageStartingWith(
            "witness state file " + log + " line 1 is damaged: not a checksummed record");
  }

  @Test
  void concurrentSavesShareOneDiskFlush() throws Exception {
    CountDownLatch queued = new CountDownLatch(1);
    CountDownLatch first = new CountDownLatch(1);
    int n = 50;
    try (FileWitnessStateStore store =
        new FileWitnessStateStore(
            dir,
            100_000,
            () -> {
              first.countDown();
              try {
                queued.await(30, TimeUnit.SECONDS); // hold the writer while saves queue up
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            })) {
      List<Thread> savers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String c = "c" + i;
        savers.add(
            Thread.ofVirtual()
                .start(() -> store.save(new PersistedTicket(c, "a", 1, EXPIRY, TTL))));
      }
      first.await(30, TimeUnit.SECONDS);
      // the first save is being written; the others are waiting in the queue
      await().atMost(30, TimeUnit.SECONDS).until(() -> savers.stream().allMatch(Thread::isAlive));
      queued.countDown();
      for (Thread t : savers) {
        t.join(30_000);
      }
      assertThat(store.saves()).isEqualTo(n);
      assertThat(store.flushes()).as("group commit").isLessThan(n).isGreaterThan(0);
    }
  }

  @Test
  void aSnapshotReplacesOldLogsAndTheStateSurvivesIt() throws IOException {
    try (FileWitnessStateStore store = new FileWitnessStateStore(dir, 10, () -> {})) {
      for (int i = 1; i <= 40; i++) {
        store.save(new PersistedTicket("c" + (i % 3), "a", i, EXPIRY, TTL));
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<String> names = files.map(f -> f.getFileName().toString()).sorted().toList();
      assertThat(names).contains("witness.snapshot");
      assertThat(names.stream().filter(n -> n.endsWith(".log"))).hasSize(1);
    }
    try (FileWitnessStateStore reopened = new FileWitnessStateStore(dir)) {
      assertThat(reopened.loadAll().get("c1").epoch()).isEqualTo(40);
      assertThat(reopened.loadAll().get("c0").epoch()).isEqualTo(39);
      assertThat(reopened.loadAll().get("c2").epoch()).isEqualTo(38);
    }
    Path snapshot = dir.resolve("witness.snapshot");
    String text = Files.readString(snapshot);
    Files.writeString(snapshot, text.substring(0, text.lastIndexOf('\n', text.length() - 2) + 1));
    assertThatThrownBy(() -> new FileWitnessStateStore(dir))
        .hasMessageContaining("witness.snapshot")
        .hasMessageContaining("no end line (truncated)");
  }

  @Test
  void perClusterFilesOfTheEarlierFormatAreFoldedIn() throws IOException {
    String body =
        "cluster=pbx\nholder=a\nepoch=12\nholderEpoch=12\nexpiry=" + EXPIRY + "\nttl=PT10S\n";
    String file =
        Base64.getUrlEncoder().withoutPadding().encodeToString("pbx".getBytes()) + ".ticket";
    Files.writeString(
        dir.resolve(file),
        body + "crc32c=" + WitnessStateFormat.crc(body) + "\n",
        StandardCharsets.UTF_8);
    try (FileWitnessStateStore store = new FileWitnessStateStore(dir)) {
      assertThat(store.loadAll().get("pbx").epoch()).isEqualTo(12);
    }
    assertThat(dir.resolve(file)).doesNotExist();
    try (FileWitnessStateStore reopened = new FileWitnessStateStore(dir)) {
      assertThat(reopened.loadAll().get("pbx").holder()).isEqualTo("a");
    }
  }

  @Test
  void aRestartedWitnessContinuesTheEpochFromDisk() {
    BuiltInWitnessTest.ManualClock clock = new BuiltInWitnessTest.ManualClock();
    try (FileWitnessStateStore store = new FileWitnessStateStore(dir)) {
      BuiltInWitness w =
          new BuiltInWitness(
              WitnessSettings.defaults(), clock, clock, store, SiteAuthenticator.inProcess());
      w.acquire(TicketRequest.acquire("pbx", "a", true, Duration.ofSeconds(10)));
      clock.advance(100);
      w.acquire(TicketRequest.acquire("pbx", "b", true, Duration.ofSeconds(10)));
      clock.advance(100);
    }
    try (FileWitnessStateStore store = new FileWitnessStateStore(dir)) {
      BuiltInWitness restarted =
          new BuiltInWitness(
              WitnessSettings.defaults(), clock, clock, store, SiteAuthenticator.inProcess());
      assertThat(restarted.lastEpoch("pbx")).isEqualTo(2);
      assertThat(
              restarted
                  .acquire(TicketRequest.acquire("pbx", "a", true, Duration.ofSeconds(10)))
                  .granted())
          .as("persisted holder b is covered for one TTL after the restart")
          .isFalse();
      clock.advance(13);
      assertThat(
              restarted
                  .acquire(TicketRequest.acquire("pbx", "a", true, Duration.ofSeconds(10)))
                  .ticket()
                  .epoch())
          .isEqualTo(3);
    }
  }

  /**
   * Issue 17.4: a witness serving 10,000 clusters must start within a ticket. Opening their state
   * reads it and forces nothing to disk; converting 10,000 per-cluster files of the earlier format
   * costs a fixed few fsyncs, not one per cluster.
   */
  @Test
  void openingTheStateOfTenThousandClustersCostsNoFsyncPerCluster() throws IOException {
    int clusters = 10_000;
    StringBuilder snapshot = new StringBuilder("tandem-witness-snapshot v1 next-log=1\n");
    StringBuilder log = new StringBuilder();
    for (int i = 0; i < clusters; i++) {
      snapshot.append(WitnessStateFormat.line(new PersistedTicket("c" + i, "a", 1, EXPIRY, TTL)));
      log.append(WitnessStateFormat.line(new PersistedTicket("c" + i, "b", 2, EXPIRY, TTL)));
    }
    snapshot.append(WitnessStateFormat.end(clusters));
    Files.writeString(dir.resolve("witness.snapshot"), snapshot);
    Files.writeString(dir.resolve(WitnessStateFormat.logName(1)), log);
    try (FileWitnessStateStore store = new FileWitnessStateStore(dir)) {
      assertThat(store.loadAll()).hasSize(clusters);
      assertThat(store.loadAll().get("c9999").holder()).isEqualTo("b");
      assertThat(store.fsyncs()).as("fsyncs while opening").isZero();
    }

    Path legacy = Files.createDirectories(dir.resolve("legacy"));
    for (int i = 0; i < clusters; i++) {
      String body =
          "cluster=c"
              + i
              + "\nholder=a\nepoch=3\nholderEpoch=3\nexpiry="
              + EXPIRY
              + "\nttl=PT10S\n";
      Files.writeString(
          legacy.resolve(
              Base64.getUrlEncoder().withoutPadding().encodeToString(("c" + i).getBytes())
                  + WitnessStateFormat.LEGACY_SUFFIX),
          body + "crc32c=" + WitnessStateFormat.crc(body) + "\n");
    }
    try (FileWitnessStateStore converted = new FileWitnessStateStore(legacy)) {
      assertThat(converted.loadAll()).hasSize(clusters);
      assertThat(converted.fsyncs()).as("fsyncs converting 10,000 files").isLessThanOrEqualTo(6);
    }
  }
}
