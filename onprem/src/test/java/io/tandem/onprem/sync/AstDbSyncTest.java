package io.tandem.onprem.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.tandem.core.config.SyncSource;
import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncRefusedException;
import io.tandem.core.sync.SyncSender;
import io.tandem.core.sync.SyncSink;
import io.tandem.onprem.ami.AmiSettings;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The astdb kind between two simulated Asterisks (the AMI simulator answers DBGetTree, DBPut and
 * DBDel as main/db.c does), sender and receiver wired directly (the transport and the gate are
 * tested with two agents in app).
 */
class AstDbSyncTest {

  @TempDir Path tmp;
  PbxModel active;
  PbxModel standby;
  PbxFaults standbyFaults;
  AmiServer activeAmi;
  AmiServer standbyAmi;
  final SyncSource.AstDb families = new SyncSource.AstDb(List.of("CF", "DND"), 50, 0);

  @BeforeEach
  void start() {
    active = new PbxModel("20.7.0");
    standby = new PbxModel("20.7.0");
    standbyFaults = new PbxFaults();
    activeAmi = new AmiServer(active, new PbxFaults(), "tandem", "pw");
    standbyAmi = new AmiServer(standby, standbyFaults, "tandem", "pw");
    active.astdb().put("CF", "100", "0612345678");
    active
        .astdb()
        .put("CF", "101/busy", "0698765432 "); // a key part with a slash, a trailing blank
    active.astdb().put("DND", "100", "YES");
    active.astdb().put("blacklist", "0800", "1"); // not in the job
    active.astdb().put("pbx", "UUID", "active-uuid");
    standby.astdb().put("pbx", "UUID", "standby-uuid");
    standby.astdb().put("DND", "200", "YES"); // gone from the active: deleted
  }

  @AfterEach
  void stop() {
    activeAmi.close();
    standbyAmi.close();
  }

  private static AmiSettings settings(AmiServer s) {
    return AmiSettings.of(s.host(), s.port(), "tandem", "pw");
  }

  private AstDbSender sender(SyncSource.AstDb source) {
    return new AstDbSender("astdb", source, settings(activeAmi), Duration.ofSeconds(5));
  }

  private AstDbSink sink(SyncSource.AstDb source) {
    return new AstDbSink(
        "astdb", source, settings(standbyAmi), Duration.ofSeconds(5), tmp.resolve("state"));
  }

  /** One run, sender to sink, through byte arrays; returns what was applied (null: nothing). */
  private static SyncSink.Applied run(SyncSender sender, SyncSink sink) throws IOException {
    try (SyncSender.Snapshot s = sender.snapshot()) {
      ByteArrayOutputStream manifest = new ByteArrayOutputStream();
      s.writeManifest(manifest);
      SyncSink.Prepared plan = sink.prepare(new ByteArrayInputStream(manifest.toByteArray()));
      if (!plan.pending()) {
        return null;
      }
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      s.writeData(plan.need(), data, () -> true);
      return plan.apply(new ByteArrayInputStream(data.toByteArray()));
    }
  }

  @Test
  void theJobsFamiliesArriveExactlyDeletionsPropagateAndOtherFamiliesStay() throws IOException {
    SyncSink.Applied applied = run(sender(families), sink(families));

    assertThat(applied.words()).isEqualTo("3 AstDB rows written (24 B), 1 deleted");
    assertThat(standby.astdb().all())
        .containsExactly(
            Map.entry("/CF/100", "0612345678"),
            Map.entry("/CF/101/busy", "0698765432 "),
            Map.entry("/DND/100", "YES"),
            Map.entry("/pbx/UUID", "standby-uuid"));
    assertThat(run(sender(families), sink(families))).as("nothing differs any more").isNull();

    // a change and a deletion on the active arrive; only the changed row moves
    active.astdb().put("CF", "100", "0611111111");
    active.astdb().del("DND", "100");
    standby.astdb().put("DND", "100", "NO"); // deleted on the active: goes here too
    applied = run(sender(families), sink(families));
    assertThat(applied.words()).isEqualTo("1 AstDB row written (10 B), 1 deleted");
    assertThat(standby.astdb().all())
        .doesNotContainKey("/DND/100")
        .containsEntry("/CF/100", "0611111111");
    assertThat(Files.list(tmp.resolve("state")).map(p -> p.getFileName().toString()))
        .as("the replaced values are kept; no journal or staging left")
        .anyMatch(n -> n.startsWith("prev-"))
        .noneMatch(n -> n.startsWith("staging-") || n.endsWith(".journal"));
  }

  @Test
  void everyFamilyButTheNodesOwnWhenNoneAreNamed() throws IOException {
    SyncSource.AstDb all = new SyncSource.AstDb(List.of(), 100, 0);
    run(sender(all), sink(all));
    assertThat(standby.astdb().all())
        .containsEntry("/blacklist/0800", "1")
        .containsEntry("/pbx/UUID", "standby-uuid");
  }

  @Test
  void anApplyCutByALostAmiConnectionIsFinishedBeforeTheNextRun() throws IOException {
    for (int i = 0; i < 40; i++) {
      active.astdb().put("CF", String.format("2%03d", i), "06" + i);
    }
    standbyFaults.answerDelay(Duration.ofMillis(50));
    AstDbSink sink = sink(families);
    Thread cut =
        Thread.ofVirtual()
            .start(
                () -> {
                  await()
                      .atMost(Duration.ofSeconds(20))
                      .until(() -> standby.astdb().tree("CF", "").size() >= 5);
                  standbyAmi.dropConnections();
                });
    SyncFailedException failed =
        catchThrowableOfType(SyncFailedException.class, () -> run(sender(families), sink));
    cut.interrupt();
    assertThat(failed.reason()).isEqualTo(SyncReason.APPLY_FAILED);
    assertThat(failed.getMessage())
        .startsWith("sync astdb: failed after ")
        .contains("the rest is journaled and finished as soon as Asterisk answers again");
    int partly = standby.astdb().tree("CF", "").size();
    assertThat(partly).isBetween(5, 42);
    assertThat(tmp.resolve("state/astdb.journal")).exists();

    // Asterisk answers again: the journal is finished before the next run is planned
    standbyFaults.reset();
    assertThat(run(sender(families), sink)).as("nothing left to send").isNull();
    assertThat(AstDbRows.select(standby.astdb().all(), families))
        .isEqualTo(AstDbRows.select(active.astdb().all(), families));
    assertThat(tmp.resolve("state/astdb.journal")).doesNotExist();
  }

  @Test
  void aTransferCutBeforeItsEndChangesNothing() throws IOException {
    Map<String, String> before = standby.astdb().all();
    AstDbSink sink = sink(families);
    try (SyncSender.Snapshot s = sender(families).snapshot()) {
      ByteArrayOutputStream manifest = new ByteArrayOutputStream();
      s.writeManifest(manifest);
      SyncSink.Prepared plan = sink.prepare(new ByteArrayInputStream(manifest.toByteArray()));
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      s.writeData(plan.need(), data, () -> true);
      byte[] cut = java.util.Arrays.copyOf(data.toByteArray(), data.size() - 4);
      SyncFailedException e =
          catchThrowableOfType(
              SyncFailedException.class, () -> plan.apply(new ByteArrayInputStream(cut)));
      assertThat(e.reason()).isEqualTo(SyncReason.TRANSFER_FAILED);
    }
    assertThat(standby.astdb().all()).isEqualTo(before);
    assertThat(Files.list(tmp.resolve("state")).toList()).isEmpty();
  }

  @Test
  void rowsAmiCannotWriteBackExactlyStopTheRunBeforeAnythingIsSent() {
    active.astdb().put("CF", "102", " leading blank");
    active.astdb().put("CF", "103", "x".repeat(1100));
    SyncFailedException e =
        catchThrowableOfType(SyncFailedException.class, () -> sender(families).snapshot());
    assertThat(e.getMessage())
        .startsWith("sync astdb: 2 rows cannot be written through AMI on the receiver")
        .contains("/CF/102 (its value starts with a blank or control character")
        .contains("/CF/103 (its value makes a 1105-byte AMI line; Asterisk reads at most 1022");
  }

  @Test
  void anEmptySenderNeverEmptiesTheStandby() {
    active.astdb().delTree("CF", "");
    active.astdb().delTree("DND", "");
    standby.astdb().put("CF", "100", "keep");
    SyncRefusedException e =
        catchThrowableOfType(
            SyncRefusedException.class, () -> run(sender(families), sink(families)));
    assertThat(e.getMessage())
        .contains("the sender has no rows in the job's families and this run would delete all 2");
    assertThat(standby.astdb().all()).containsEntry("/CF/100", "keep");
  }
}
