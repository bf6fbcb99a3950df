package io.tandem.core.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileWitnessStateStoreTest {

  @TempDir Path dir;

  @Test
  void savesDurablyAndLoadsBack() throws IOException {
    FileWitnessStateStore store = new FileWitnessStateStore(dir);
    Instant expiry = Instant.parse("2026-01-01T00:00:10Z");
    store.save(new PersistedTicket("pbx/main: 1", "site=a", 7, expiry, Duration.ofSeconds(10)));
    store.save(new PersistedTicket("pbx/main: 1", null, 8, expiry, Duration.ofSeconds(10)));
    store.save(new PersistedTicket("other", "b", 1, expiry, Duration.ofSeconds(5)));
    var loaded = new FileWitnessStateStore(dir).loadAll();
    assertThat(loaded).hasSize(2);
    assertThat(loaded.get("pbx/main: 1"))
        .isEqualTo(new PersistedTicket("pbx/main: 1", null, 8, expiry, Duration.ofSeconds(10)));
    assertThat(loaded.get("other").holder()).isEqualTo("b");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temp files left behind")
          .allMatch(n -> n.endsWith(".ticket"));
    }
  }

  @Test
  void aRestartedWitnessContinuesTheEpochFromDisk() {
    BuiltInWitnessTest.ManualClock clock = new BuiltInWitnessTest.ManualClock();
    BuiltInWitness w =
        new BuiltInWitness(
            WitnessSettings.defaults(),
            clock,
            clock,
            new FileWitnessStateStore(dir),
            SiteAuthenticator.inProcess());
    w.acquire(TicketRequest.acquire("pbx", "a", true, Duration.ofSeconds(10)));
    clock.advance(100);
    w.acquire(TicketRequest.acquire("pbx", "b", true, Duration.ofSeconds(10)));
    clock.advance(100);
    BuiltInWitness restarted =
        new BuiltInWitness(
            WitnessSettings.defaults(),
            clock,
            clock,
            new FileWitnessStateStore(dir),
            SiteAuthenticator.inProcess());
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

  @Test
  void damagedFilesAreRefusedNamingTheFileAndTheCause() throws IOException {
    Instant expiry = Instant.parse("2026-01-01T00:00:10Z");
    new FileWitnessStateStore(dir)
        .save(new PersistedTicket("pbx", "a", 8, expiry, Duration.ofSeconds(10)));
    Path file = dir.resolve(FileWitnessStateStore.fileName("pbx"));
    String good = Files.readString(file);
    assertThat(good).containsPattern("\\ncrc32c=[0-9a-f]{8}\\n$");

    Files.writeString(file, good.replace("epoch=8", "epoch=3"));
    assertThatThrownBy(() -> new FileWitnessStateStore(dir).loadAll())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("witness state file " + file + " is damaged: checksum mismatch");

    Files.writeString(file, good.substring(0, good.indexOf("crc32c=")));
    assertThatThrownBy(() -> new FileWitnessStateStore(dir).loadAll())
        .hasMessageStartingWith(
            "witness state file " + file + " is damaged: no checksum line (truncated");

    Files.writeString(file, good.substring(0, 20));
    assertThatThrownBy(() -> new FileWitnessStateStore(dir).loadAll())
        .hasMessageContaining(" is damaged: no checksum line");

    Files.writeString(file, good);
    Files.move(file, dir.resolve(FileWitnessStateStore.fileName("other")));
    assertThatThrownBy(() -> new FileWitnessStateStore(dir).loadAll())
        .hasMessageContaining("it records another cluster than its name says");
  }
}
