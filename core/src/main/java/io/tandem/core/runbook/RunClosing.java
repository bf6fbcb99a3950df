package io.tandem.core.runbook;

import io.tandem.core.error.ConfigException;
import io.tandem.core.runbook.journal.Journal;
import io.tandem.core.runbook.journal.JournalDirectory;
import io.tandem.core.runbook.journal.JournalRecord;
import io.tandem.core.runbook.journal.RecordType;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.core.runbook.report.RunReports;
import io.tandem.core.witness.FencingToken;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link RunbookEngine} records about runs that are not executing: closing an unfinished run
 * as superseded, a step finished by hand, the epoch a run was started under. Each works on the
 * run's journal alone; the engine checks first that the run is not executing.
 */
final class RunClosing {

  private static final Logger log = LoggerFactory.getLogger(RunClosing.class);

  private RunClosing() {}

  /** Journals {@code RUN_ENDED SUPERSEDED} and returns the report built from the journal. */
  static RunReport supersede(
      JournalDirectory journals, String runId, FencingToken current, String reason) {
    try (Journal journal = journals.open(runId)) {
      List<JournalRecord> records = journal.records();
      RunHistory history = RunHistory.of(records);
      JournalRecord started =
          history
              .started()
              .orElseThrow(
                  () -> new ConfigException("journal of run " + runId + " has no start record"));
      if (history.ended().isPresent()) {
        throw new ConfigException("run " + runId + " has already ended");
      }
      if (!current.cluster().equals(started.get("cluster"))
          || !current.site().equals(started.get("site"))) {
        throw new ConfigException(
            "run "
                + runId
                + " was started by "
                + started.get("cluster")
                + "/"
                + started.get("site")
                + "; "
                + current
                + " may not close it");
      }
      Map<String, String> f = new LinkedHashMap<>();
      f.put("outcome", RunOutcome.SUPERSEDED.name());
      f.put(
          "reason",
          "superseded: started under epoch "
              + started.get("epoch")
              + ", now epoch "
              + current.epoch()
              + "; "
              + reason);
      f.put("supersededByEpoch", Long.toString(current.epoch()));
      journal.recoveryWarning().ifPresent(w -> f.put("recoveryWarning", w));
      journal.append(RecordType.RUN_ENDED, "", f);
      log.info("run {} {}", runId, f.get("reason"));
      return RunReports.fromJournal(journal.records(), journal.recoveryWarning().stream().toList());
    }
  }

  /** Journals a VERIFIED result for a step an operator finished by hand. */
  static void resolveByHand(
      JournalDirectory journals, String runId, String stepId, String by, String note) {
    try (Journal journal = journals.open(runId)) {
      RunHistory history = RunHistory.of(journal.records());
      Optional<JournalRecord> result = history.result(stepId);
      if (result.isEmpty() || !result.get().get("status").equals("MANUAL_INTERVENTION")) {
        throw new ConfigException(
            "run " + runId + ": step " + stepId + " is not waiting for manual intervention");
      }
      JournalRecord intent = history.intent(stepId).orElse(result.get());
      Map<String, String> f = new LinkedHashMap<>();
      f.put("status", StepStatus.VERIFIED.name());
      f.put("detail", "resolved by hand by " + by + ": " + note);
      f.put("resource", intent.get("resource"));
      f.put("before", intent.get("before"));
      f.put("after", intent.get("after"));
      f.put("startedAt", result.get().get("startedAt"));
      f.put("applyAttempts", "0");
      journal.append(RecordType.STEP_RESULT, stepId, f);
    }
  }

  /** The epoch in the run's start record. */
  static long startedUnder(JournalDirectory journals, String runId) {
    List<JournalRecord> records = io.tandem.core.runbook.journal.Journal.read(journals.path(runId));
    return RunHistory.of(records)
        .started()
        .map(r -> Long.parseLong(r.get("epoch")))
        .orElseThrow(
            () -> new ConfigException("journal of run " + runId + " has no run-started record"));
  }
}
