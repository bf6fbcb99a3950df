package io.tandem.core.runbook;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.runbook.journal.Journal;
import io.tandem.core.runbook.journal.JournalDirectory;
import io.tandem.core.runbook.journal.RecordType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12.3: a damaged journal never blocks a failover. It is moved aside (with the reason next to
 * it) and reported; finished journals are pruned by a retention setting.
 */
class JournalDirectoryTest {

  @TempDir Path dir;
  final EngineFixture.SteppingClock clock =
      new EngineFixture.SteppingClock(Instant.parse("2026-11-26T06:00:00Z"));
  final List<JournalDirectory.Quarantined> told = new CopyOnWriteArrayList<>();

  JournalDirectory journals(JournalDirectory.Retention retention) {
    return new JournalDirectory(dir.resolve("journal"), clock, retention, told::add);
  }

  void write(JournalDirectory d, String runId, boolean ended) {
    try (Journal j = d.create(runId)) {
      j.append(RecordType.RUN_STARTED, "", Map.of("runId", runId));
      j.append(RecordType.STEP_RESULT, "a", Map.of("status", "VERIFIED"));
      if (ended) {
        j.append(RecordType.RUN_ENDED, "", Map.of("outcome", "SUCCEEDED", "reason", "ok"));
      }
    }
  }

  static void flipAByteInTheFirstRecord(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[20] = (byte) (bytes[20] ^ 0x01);
    Files.write(file, bytes);
  }

  @Test
  void oneFlippedByteInAnOldJournalIsQuarantinedAndNeverThrows() throws IOException {
    JournalDirectory d = journals(JournalDirectory.Retention.defaults());
    write(d, "failover-7-old", true);
    write(d, "failover-8-unfinished", false);
    write(d, "failover-9-open", false);
    flipAByteInTheFirstRecord(d.path("failover-7-old"));
    flipAByteInTheFirstRecord(d.path("failover-8-unfinished"));

    assertThat(d.unfinishedRuns()).containsExactly("failover-9-open");

    assertThat(d.path("failover-7-old")).doesNotExist();
    assertThat(d.path("failover-8-unfinished")).doesNotExist();
    assertThat(told)
        .extracting(JournalDirectory.Quarantined::runId)
        .containsExactly("failover-7-old", "failover-8-unfinished");
    JournalDirectory.Quarantined q = told.getFirst();
    assertThat(q.file()).exists().startsWith(d.quarantineDir());
    assertThat(q.cause()).contains("corrupt at line 1", "checksum mismatch");
    Path why =
        q.file().resolveSibling(q.file().getFileName().toString().replace(".journal", ".why"));
    assertThat(Files.readString(why, StandardCharsets.UTF_8))
        .contains("journal of run failover-7-old was moved here", "checksum mismatch");

    // found once: a second look does not report it again
    assertThat(d.unfinishedRuns()).containsExactly("failover-9-open");
    assertThat(told).hasSize(2);
  }

  @Test
  void anEngineWithADamagedOldJournalStillRunsAndListsOnlyWhatItCanResume() throws IOException {
    EngineFixture fx = new EngineFixture(dir);
    RunbookEngine engine =
        fx.engine()
            .journals(
                new JournalDirectory(
                    dir.resolve("journal"),
                    fx.clock,
                    JournalDirectory.Retention.defaults(),
                    told::add))
            .build();
    write(fx.journals, "old", false);
    flipAByteInTheFirstRecord(fx.journals.path("old"));

    assertThat(engine.unfinishedRuns()).isEmpty();
    FakeWorld world = new FakeWorld().set("a", "old");
    Runbook rb =
        new Runbook(
            "after-damage",
            RunKind.CUSTOM,
            List.of(Stage.of("s", StageKind.SWITCH, List.of(FakeStep.safe("a", world, "new")))));
    assertThat(engine.run(rb, RunRequest.planned("new", EngineFixture.TOKEN)).outcome())
        .isEqualTo("SUCCEEDED");
    assertThat(told).singleElement().satisfies(q -> assertThat(q.runId()).isEqualTo("old"));
  }

  @Test
  void anEmptyJournalLeftByACrashBeforeItsFirstRecordIsRemoved() throws IOException {
    JournalDirectory d = journals(JournalDirectory.Retention.defaults());
    Files.createDirectories(d.path("x").getParent());
    Files.createFile(d.path("crashed-at-create"));
    assertThat(d.unfinishedRuns()).isEmpty();
    assertThat(d.path("crashed-at-create")).doesNotExist();
    assertThat(told).isEmpty();
  }

  @Test
  void finishedJournalsArePrunedByRetentionUnfinishedOnesNever() {
    JournalDirectory d = journals(new JournalDirectory.Retention(2, Duration.ofDays(90)));
    for (int i = 1; i <= 5; i++) {
      write(d, "done-" + i, true);
    }
    write(d, "open", false);

    assertThat(d.prune()).isEqualTo(3);
    assertThat(d.path("done-5")).exists();
    assertThat(d.path("done-4")).exists();
    assertThat(d.path("done-3")).doesNotExist();
    assertThat(d.path("done-1")).doesNotExist();
    assertThat(d.path("open")).exists();

    clock.advance(Duration.ofDays(91));
    assertThat(d.prune()).isEqualTo(2);
    assertThat(d.path("open")).exists();
    assertThat(d.unfinishedRuns()).containsExactly("open");
  }
}
