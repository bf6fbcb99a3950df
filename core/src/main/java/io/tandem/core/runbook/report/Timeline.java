package io.tandem.core.runbook.report;

import io.tandem.core.runbook.journal.JournalRecord;

/** Turns journal records into sentences for the report's timeline. */
final class Timeline {

  private Timeline() {}

  static String describe(JournalRecord r) {
    return switch (r.type()) {
      case RUN_STARTED ->
          "run started: "
              + r.get("runbook")
              + " ("
              + r.get("kind").toLowerCase(java.util.Locale.ROOT)
              + (Boolean.parseBoolean(r.get("drill")) ? ", drill" : "")
              + ") by site "
              + r.get("site")
              + " with epoch "
              + r.get("epoch");
      case RUN_RESUMED ->
          "run resumed after a restart with epoch "
              + r.get("epoch")
              + r.field("recoveryWarning").map(w -> " (journal: " + w + ")").orElse("");
      case STEP_INTENT ->
          r.step()
              + ": about to change "
              + r.get("resource")
              + ": "
              + r.get("before")
              + " → "
              + r.get("after");
      case STEP_RESULT -> r.step() + ": " + r.get("status") + " — " + r.get("detail");
      case GATE_WAITING ->
          "gate "
              + r.step()
              + ": waiting for approval ("
              + r.get("prompt")
              + "), round "
              + r.get("round");
      case GATE_DECIDED ->
          "gate "
              + r.step()
              + ": "
              + (Boolean.parseBoolean(r.get("approved")) ? "approved" : "rejected")
              + " by "
              + r.get("by")
              + (r.get("note").isEmpty() ? "" : " (" + r.get("note") + ")");
      case ABORT_REQUESTED -> "abort requested by " + r.get("by") + ": " + r.get("reason");
      case RUN_HALTED -> "run halted: " + r.get("outcome") + " — " + r.get("reason");
      case HOOK_RAN -> "hook " + r.get("when") + " " + r.get("stage") + ": " + r.get("words");
      case RUN_ENDED -> "run ended: " + r.get("outcome") + " — " + r.get("reason");
    };
  }
}
