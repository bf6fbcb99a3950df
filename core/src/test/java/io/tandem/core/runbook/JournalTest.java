package io.tandem.core.runbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.runbook.journal.Journal;
import io.tandem.core.runbook.journal.JournalCorruptException;
import io.tandem.core.runbook.journal.JournalRecord;
import io.tandem.core.runbook.journal.RecordType;
import io.tandem.core.runbook.report.RunReport;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

  @TempDir Path dir;
  final EngineFixture.SteppingClock clock =
      new EngineFixture.SteppingClock(java.time.Instant.parse("2026-11-26T06:00:00Z"));

  Path threeRecords() {
    Path file = dir.resolve("run.journal");
    try (Journal j = Journal.create(file, clock)) {
      j.append(RecordType.RUN_STARTED, "", Map.of("runId", "run"));
      j.append(RecordType.STEP_INTENT, "a", Map.of("before", "old", "after", "new ✓"));
      j.append(RecordType.STEP_RESULT, "a", Map.of("status", "VERIFIED"));
    }
    return file;
  }

  @Test
  void recordsSurviveReopeningInOrderWithChecksums() throws IOException {
    Path file = threeRecords();
    try (Journal j = Journal.open(file, clock)) {
      assertThat(j.recoveryWarning()).isEmpty();
      assertThat(j.records()).extracting(JournalRecord::seq).containsExactly(1L, 2L, 3L);
      assertThat(j.records().get(1).get("after")).isEqualTo("new ✓");
      j.append(RecordType.RUN_ENDED, "", Map.of("outcome", "SUCCEEDED"));
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(4).allSatisfy(l -> assertThat(l).matches("[0-9a-f]{8} \\{.*\\}"));
  }

  @Test
  void aTornLastRecordIsTruncatedAwayWithAWarning() throws IOException {
    Path file = threeRecords();
    long size = Files.size(file);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(size - 7); // the crash cut the last write short
    }
    try (Journal j = Journal.open(file, clock)) {
      assertThat(j.recoveryWarning())
          .hasValueSatisfying(w -> assertThat(w).contains("line 3").contains("cut short"));
      assertThat(j.records()).hasSize(2);
      j.append(RecordType.STEP_RESULT, "a", Map.of("status", "VERIFIED"));
    }
    try (Journal j = Journal.open(file, clock)) {
      assertThat(j.recoveryWarning()).isEmpty();
      assertThat(j.records()).extracting(JournalRecord::seq).containsExactly(1L, 2L, 3L);
    }
  }

  @Test
  void readingLeavesATornTailAloneForTheWriterToFinish() throws IOException {
    Path file = threeRecords();
    Files.write(
        file, "0badc0de {\"seq\":4".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    long size = Files.size(file);
    assertThat(Journal.read(file)).hasSize(3);
    assertThat(Files.size(file)).isEqualTo(size);
  }

  @Test
  void aRunIdCannotBeStartedTwice() {
    EngineFixture fx = new EngineFixture(dir);
    fx.journals.create("run-1").close();
    assertThatThrownBy(() -> fx.journals.create("run-1"))
        .isInstanceOf(io.tandem.core.error.ConfigException.class)
        .hasMessageContaining("already has a journal");
  }

  @Test
  void aDamagedLastRecordIsTruncatedAway() throws IOException {
    Path file = threeRecords();
    flipByteNearEnd(file, 5);
    try (Journal j = Journal.open(file, clock)) {
      assertThat(j.recoveryWarning()).hasValueSatisfying(w -> assertThat(w).contains("damaged"));
      assertThat(j.records()).hasSize(2);
    }
  }

  @Test
  void damageBeforeTheLastRecordIsCorruptionNotATornWrite() throws IOException {
    Path file = threeRecords();
    String text = Files.readString(file);
    int secondLine = text.indexOf('\n') + 20;
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    bytes[secondLine] = (byte) (bytes[secondLine] ^ 0x01);
    Files.write(file, bytes);
    assertThatThrownBy(() -> Journal.open(file, clock))
        .isInstanceOf(JournalCorruptException.class)
        .hasMessageContaining("line 2")
        .hasMessageContaining("checksum mismatch");
  }

  @Test
  void createRefusesToOverwriteAnExistingJournal() {
    Path file = threeRecords();
    assertThatThrownBy(() -> Journal.create(file, clock))
        .hasMessageContaining("cannot create journal");
  }

  @Test
  void aRunWhoseLastRecordWasTornResumesAndReportsTheRecovery() throws IOException {
    EngineFixture fx = new EngineFixture(dir);
    FakeWorld world = new FakeWorld().set("a", "old").set("b", "old");
    Runbook rb =
        new Runbook(
            "torn",
            RunKind.CUSTOM,
            List.of(
                Stage.of("s1", StageKind.SWITCH, List.of(FakeStep.safe("a", world, "new"))),
                Stage.of("s2", StageKind.SWITCH, List.of(FakeStep.unsafe("b", world, "new")))));
    RunbookEngine crashing =
        fx.engine()
            .crashHook(
                (p, id) -> {
                  if (p == CrashPoint.AFTER_RESULT && id.equals("a")) {
                    throw new CrashResumeTest.SimulatedCrash("after a");
                  }
                })
            .build();
    assertThatThrownBy(() -> crashing.run(rb, RunRequest.planned("run-1", EngineFixture.TOKEN)))
        .isInstanceOf(CrashResumeTest.SimulatedCrash.class);
    Path file = fx.journals.path("run-1");
    Files.write(
        file,
        "0badc0de {\"seq\":4,\"ty".getBytes(StandardCharsets.UTF_8),
        StandardOpenOption.APPEND);

    RunReport r = fx.engine().build().resume("run-1", rb, EngineFixture.TOKEN);
    assertThat(r.outcome()).isEqualTo("SUCCEEDED");
    assertThat(r.warnings()).singleElement().satisfies(w -> assertThat(w).contains("cut short"));
    assertThat(world.applies("a")).isEqualTo(1);
    assertThat(world.applies("b")).isEqualTo(1);
  }

  /**
   * The engine interrupts step threads (timeouts, a self-fence) that still journal their result: an
   * interrupted writer must not close the journal for everybody (a FileChannel would).
   */
  @Test
  void anInterruptedWriterStillAppendsAndTheJournalStaysOpen() {
    try (Journal j = Journal.create(dir.resolve("run.journal"), clock)) {
      j.append(RecordType.RUN_STARTED, "", Map.of("runId", "run"));
      Thread.currentThread().interrupt();
      try {
        j.append(RecordType.STEP_RESULT, "a", Map.of("status", "FENCED"));
      } finally {
        assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
      }
      j.append(RecordType.RUN_ENDED, "", Map.of("outcome", "FENCED"));
      assertThat(Journal.read(j.file())).hasSize(3);
    }
  }

  private static void flipByteNearEnd(Path file, int fromEnd) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int i = bytes.length - fromEnd;
    bytes[i] = (byte) (bytes[i] ^ 0x01);
    Files.write(file, bytes);
  }
}
