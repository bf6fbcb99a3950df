package io.tandem.core.runbook;

import io.tandem.core.error.TransientException;
import io.tandem.core.runbook.journal.JournalRecord;
import io.tandem.core.runbook.journal.RecordType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Waits at one gate, journaling each wait and the decision, and applies the timeout policy. */
final class GatePassage {

  private GatePassage() {}

  /** Returns normally when the run may go on; otherwise records a stop on {@code run}. */
  static void pass(Gate gate, RunContext run, GateKeeper keeper) {
    Optional<JournalRecord> earlier = run.history.gateDecision(gate.id());
    if (earlier.isPresent()) {
      if (!Boolean.parseBoolean(earlier.get().get("approved"))) {
        run.stop(RunOutcome.ABORTED, "gate " + gate.id() + " was rejected before a restart");
      }
      return;
    }
    long rounds =
        gate.onTimeout() == Gate.TimeoutPolicy.KEEP_WAITING
            ? Math.max(1, gate.giveUpAfter().toNanos() / gate.timeout().toNanos())
            : 1;
    for (long round = 1; round <= rounds; round++) {
      if (run.stopped().isPresent()) {
        return;
      }
      Map<String, String> waiting = new LinkedHashMap<>();
      waiting.put("prompt", gate.prompt());
      waiting.put("timeout", gate.timeout().toString());
      waiting.put("onTimeout", gate.onTimeout().name());
      waiting.put("round", Long.toString(round));
      run.journal(RecordType.GATE_WAITING, gate.id(), waiting);
      Optional<GateDecision> decision;
      try {
        decision = keeper.await(run.runId(), gate, gate.timeout());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TransientException("interrupted at gate " + gate.id() + "; resume the run", e);
      }
      if (decision.isPresent()) {
        GateDecision d = decision.get();
        decide(run, gate, d.approved(), d.by(), d.note());
        return;
      }
      switch (gate.onTimeout()) {
        case PROCEED -> {
          decide(
              run,
              gate,
              true,
              "timeout-policy",
              "no decision within " + gate.timeout() + "; proceeding");
          return;
        }
        case ABORT -> {
          decide(
              run,
              gate,
              false,
              "timeout-policy",
              "no decision within " + gate.timeout() + "; aborting");
          return;
        }
        case KEEP_WAITING -> {
          // journal another GATE_WAITING round and wait again
        }
      }
    }
    decide(
        run,
        gate,
        false,
        "timeout-policy",
        "no decision within " + gate.giveUpAfter() + "; giving up");
  }

  private static void decide(RunContext run, Gate gate, boolean approved, String by, String note) {
    if (run.stopped().isPresent() && !approved && by.equals("engine")) {
      // released by an abort: the abort record already tells the story
      run.journal(
          RecordType.GATE_DECIDED, gate.id(), Map.of("approved", "false", "by", by, "note", note));
      return;
    }
    run.journal(
        RecordType.GATE_DECIDED,
        gate.id(),
        Map.of("approved", Boolean.toString(approved), "by", by, "note", note));
    if (!approved) {
      run.stop(RunOutcome.ABORTED, "gate " + gate.id() + " rejected by " + by + ": " + note);
    }
  }
}
