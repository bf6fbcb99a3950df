package io.tandem.core.runbook;

import io.tandem.core.runbook.journal.JournalRecord;
import io.tandem.core.runbook.journal.RecordType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What a journal says happened so far; the basis for resume. Not thread-safe (built once). */
final class RunHistory {

  private final Map<String, JournalRecord> intents = new HashMap<>();
  private final Map<String, JournalRecord> results = new HashMap<>();
  private final Map<String, JournalRecord> gateDecisions = new HashMap<>();
  private JournalRecord started;
  private JournalRecord ended;
  private JournalRecord abortRequested;

  static RunHistory of(List<JournalRecord> records) {
    RunHistory h = new RunHistory();
    for (JournalRecord r : records) {
      switch (r.type()) {
        case RUN_STARTED -> h.started = r;
        case STEP_INTENT -> h.intents.put(r.step(), r);
        case STEP_RESULT -> h.results.put(r.step(), r);
        case GATE_DECIDED -> h.gateDecisions.put(r.step(), r);
        case ABORT_REQUESTED -> h.abortRequested = r;
        case RUN_ENDED -> h.ended = r;
        case RUN_RESUMED, GATE_WAITING, RUN_HALTED -> {
          // informative only
        }
      }
    }
    return h;
  }

  Optional<JournalRecord> started() {
    return Optional.ofNullable(started);
  }

  Optional<JournalRecord> ended() {
    return Optional.ofNullable(ended);
  }

  Optional<JournalRecord> abortRequested() {
    return Optional.ofNullable(abortRequested);
  }

  Optional<JournalRecord> intent(String stepId) {
    return Optional.ofNullable(intents.get(stepId));
  }

  /** The step's result if it is final; a SKIPPED step is not journaled and runs again. */
  Optional<JournalRecord> result(String stepId) {
    return Optional.ofNullable(results.get(stepId));
  }

  Optional<JournalRecord> gateDecision(String gateId) {
    return Optional.ofNullable(gateDecisions.get(gateId));
  }

  static boolean isType(JournalRecord r, RecordType t) {
    return r.type() == t;
  }
}
