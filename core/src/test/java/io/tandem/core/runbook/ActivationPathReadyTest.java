package io.tandem.core.runbook;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.runbook.journal.Journal;
import io.tandem.core.runbook.journal.JournalDirectory;
import io.tandem.core.runbook.journal.RecordType;
import io.tandem.core.runbook.report.ReportStore;
import io.tandem.core.runbook.report.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17.2, decision → first step: what an activation does before its first step on the real
 * engine. It lists the unfinished runs (a journal left by a crash is resumed or superseded), and
 * that listing must not read the finished journals again after the fault: they were read before it
 * (measured from outside, reading 5–25 retained journals cost 4–12 ms there on a loaded machine,
 * growing with every run). And {@link RunbookEngine#rehearse()} runs the engine's path before any
 * fault without anyone hearing of it.
 *
 * <p>That a finished journal was not read is shown by replacing its content with bytes that fail
 * their checksum while keeping its size and modification time: a listing that read it would
 * quarantine it.
 */
class ActivationPathReadyTest {

  @TempDir Path dir;
  final EngineFixture.SteppingClock clock =
      new EngineFixture.SteppingClock(Instant.parse("2026-11-26T06:00:00Z"));
  final List<JournalDirectory.Quarantined> told = new CopyOnWriteArrayList<>();

  JournalDirectory journals() {
    return new JournalDirectory(
        dir.resolve("journal"), clock, JournalDirectory.Retention.defaults(), told::add);
  }

  static void write(JournalDirectory d, String runId, boolean ended) {
    try (Journal j = d.create(runId)) {
      j.append(RecordType.RUN_STARTED, "", Map.of("runId", runId));
      if (ended) {
        j.append(RecordType.RUN_ENDED, "", Map.of("outcome", "SUCCEEDED", "reason", "ok"));
      }
    }
  }

  /** Last changed an hour ago (older than a file system's time resolution). */
  static FileTime anHourAgo(Path file) throws IOException {
    FileTime t = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
    Files.setLastModifiedTime(file, t);
    return t;
  }

  /**
   * The same size and modification time, a byte of its first record flipped: a listing that read it
   * would quarantine it (the damaged record is not the last).
   */
  static void garbleKeepingItsStatus(Path file) throws IOException {
    FileTime modified = Files.getLastModifiedTime(file);
    JournalDirectoryTest.flipAByteInTheFirstRecord(file);
    Files.setLastModifiedTime(file, modified);
  }

  @Test
  void aListingAfterTheFaultReadsNoFinishedJournalThatWasReadBefore() throws IOException {
    JournalDirectory d = journals();
    for (int i = 1; i <= 3; i++) {
      write(d, "failover-" + i, true);
      anHourAgo(d.path("failover-" + i));
    }
    write(d, "failover-4-open", false);
    assertThat(d.unfinishedRuns()).containsExactly("failover-4-open"); // before the fault

    garbleKeepingItsStatus(d.path("failover-2"));
    assertThat(d.unfinishedRuns()).containsExactly("failover-4-open"); // after it
    assertThat(told).as("journals quarantined (read again)").isEmpty();
    assertThat(d.path("failover-2")).exists();
  }

  @Test
  void aFinishedJournalChangedSinceItWasReadIsReadAgainAndQuarantined() throws IOException {
    JournalDirectory d = journals();
    write(d, "failover-1", true);
    anHourAgo(d.path("failover-1"));
    assertThat(d.unfinishedRuns()).isEmpty();

    garbleKeepingItsStatus(d.path("failover-1"));
    Files.setLastModifiedTime(d.path("failover-1"), FileTime.from(Instant.now()));
    assertThat(d.unfinishedRuns()).isEmpty();
    assertThat(told).extracting(JournalDirectory.Quarantined::runId).containsExactly("failover-1");
  }

  @Test
  void aJournalThatEndedWithinTheFileSystemsTimeResolutionIsReadAgain() throws IOException {
    JournalDirectory d = journals();
    write(d, "failover-1", true); // changed just now: a change within the same tick could hide
    assertThat(d.unfinishedRuns()).isEmpty();

    garbleKeepingItsStatus(d.path("failover-1"));
    assertThat(d.unfinishedRuns()).isEmpty();
    assertThat(told).extracting(JournalDirectory.Quarantined::runId).containsExactly("failover-1");
  }

  @Test
  void indexingReadsEveryJournalOnceAndChangesNothing() throws IOException {
    JournalDirectory d = journals();
    write(d, "failover-1", true);
    anHourAgo(d.path("failover-1"));
    write(d, "failover-2-damaged", true);
    JournalDirectoryTest.flipAByteInTheFirstRecord(d.path("failover-2-damaged"));
    write(d, "failover-3-open", false);

    assertThat(d.index()).as("journals known finished").isEqualTo(1);
    assertThat(told).as("indexing quarantines nothing").isEmpty();
    assertThat(d.path("failover-2-damaged")).exists();

    garbleKeepingItsStatus(d.path("failover-1"));
    assertThat(d.unfinishedRuns()).containsExactly("failover-3-open");
    assertThat(told)
        .extracting(JournalDirectory.Quarantined::runId)
        .containsExactly("failover-2-damaged");
  }

  @Test
  void pruningTakesTheEndOfAJournalItReadBeforeFromMemoryAndForgetsWhatItDeletes()
      throws IOException {
    JournalDirectory d =
        new JournalDirectory(
            dir.resolve("journal"),
            clock,
            new JournalDirectory.Retention(1, Duration.ofDays(90)),
            told::add);
    write(d, "failover-1", true);
    write(d, "failover-2", true);
    anHourAgo(d.path("failover-1"));
    anHourAgo(d.path("failover-2"));
    d.index();
    garbleKeepingItsStatus(d.path("failover-1"));
    // failover-1 ended first: pruned on its remembered end (read, it would be left alone)
    assertThat(d.prune()).as("journals pruned beyond the last one").isEqualTo(1);
    assertThat(d.path("failover-1")).doesNotExist();
    assertThat(d.path("failover-2")).exists();
    assertThat(d.unfinishedRuns()).isEmpty();
    assertThat(told).isEmpty();
  }

  @Test
  void aRunThisEngineEndedIsNotReadByTheNextListing() throws IOException {
    JournalDirectory d = journals();
    RunbookEngine engine =
        RunbookEngine.builder().clock(clock).ticketGuard(t -> true).journals(d).build();
    RunReport r = engine.run(noOp(), request("failover-1"));
    assertThat(r.outcome()).isEqualTo("SUCCEEDED");

    garbleKeepingItsStatus(d.path("failover-1")); // within the second it ended
    assertThat(engine.unfinishedRuns()).isEmpty();
    assertThat(told).as("journals quarantined (read again)").isEmpty();
  }

  static Runbook noOp() {
    Step step =
        new Step() {
          @Override
          public StepSpec spec() {
            return StepSpec.of("noop", "no-op", "none", StepPolicy.defaults());
          }

          @Override
          public Observation observe(StepContext context) {
            return Observation.change("nothing", "before", "after");
          }

          @Override
          public String apply(Observation observed, StepContext context) {
            return "after";
          }

          @Override
          public Verification verify(StepContext context) {
            return Verification.ok("ok");
          }
        };
    return new Runbook(
        "noop", RunKind.FAILOVER, List.of(Stage.of("s", StageKind.OTHER, List.of(step))));
  }

  static RunRequest request(String runId) {
    return new RunRequest(
        runId,
        EngineFixture.TOKEN,
        false,
        java.util.Optional.empty(),
        java.util.Optional.empty(),
        java.util.Optional.empty(),
        Map.of());
  }

  @Test
  void aRehearsalRunsTheEnginesPathAndNobodyHearsOfIt() throws IOException {
    List<String> heard = new CopyOnWriteArrayList<>();
    JournalDirectory d = journals();
    write(d, "failover-1-open", false);
    ReportStore reports =
        new ReportStore(dir.resolve("reports"), clock, ReportStore.Retention.defaults());
    RunbookEngine engine =
        RunbookEngine.builder()
            .clock(clock)
            .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor())
            .ticketGuard(t -> false) // holds no ticket: a rehearsal needs none
            .journals(d)
            .reports(reports)
            .notifier(n -> heard.add("notice " + n.subject()))
            .stageHook(
                e -> {
                  heard.add("hook " + e.stage());
                  return List.of();
                })
            .listener(
                new RunListener() {
                  @Override
                  public void runStarted(RunStarted e) {
                    heard.add("started " + e.runId());
                  }

                  @Override
                  public void runFinished(RunReport r) {
                    heard.add("finished " + r.runId());
                  }
                })
            .build();

    RunReport r = engine.rehearse();

    assertThat(r.outcome()).isEqualTo("SUCCEEDED");
    assertThat(r.steps())
        .singleElement()
        .satisfies(s -> assertThat(s.status()).isEqualTo("VERIFIED"));
    assertThat(heard).isEmpty();
    assertThat(reports.runIds()).isEmpty();
    assertThat(engine.unfinishedRuns()).containsExactly("failover-1-open");
    try (Stream<Path> files = Files.walk(dir.resolve("journal"))) {
      assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
          .containsExactly("failover-1-open.journal");
    }
  }
}
