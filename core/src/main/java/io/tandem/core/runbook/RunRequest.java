package io.tandem.core.runbook;

import io.tandem.core.witness.FencingToken;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What starts a run.
 *
 * <p>The three instants before the run are the agent's, and the report's RTO is measured from the
 * earliest of them (issue 12.15: from the fault's first sign, not from the agent's reaction):
 * <b>detection</b> is fault first seen → the agent set out to take over, <b>ticket wait</b> is that
 * → the ticket granted and the activation decided, <b>decision</b> is that → the run's first
 * journal record (choosing the runbook, the fence decision).
 *
 * @param runId unique id (journal and report file names); letters, digits, {@code -_.}
 * @param token the ticket's fencing token the run acts under
 * @param drill true for a drill
 * @param outageStartedAt the fault's first sign (last good contact with the old active, or its
 *     first failing report), if this run answers an outage
 * @param detectedAt when the agent set out to take over (its turn to ACQUIRING), if known
 * @param decidedAt when the ticket was granted and the activation decided (or an operator decided)
 * @param notes labelled sentences the report shows under "Why" (e.g. {@code cause}, {@code fence}:
 *     why this runbook, why a site was or was not fenced); kept in order
 */
public record RunRequest(
    String runId,
    FencingToken token,
    boolean drill,
    Optional<Instant> outageStartedAt,
    Optional<Instant> detectedAt,
    Optional<Instant> decidedAt,
    Map<String, String> notes) {

  public RunRequest {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(outageStartedAt, "outageStartedAt");
    Objects.requireNonNull(detectedAt, "detectedAt");
    Objects.requireNonNull(decidedAt, "decidedAt");
    notes = Collections.unmodifiableMap(new LinkedHashMap<>(notes));
    if (!runId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,120}")) {
      throw new IllegalArgumentException("runId must match [A-Za-z0-9][A-Za-z0-9._-]*: " + runId);
    }
    if (notes.size() > 99) {
      throw new IllegalArgumentException("at most 99 notes");
    }
    for (String key : notes.keySet()) {
      if (!key.matches("[a-z][a-z-]{0,30}")) {
        throw new IllegalArgumentException("note labels are lower-case words: " + key);
      }
    }
  }

  public RunRequest(
      String runId,
      FencingToken token,
      boolean drill,
      Optional<Instant> outageStartedAt,
      Optional<Instant> detectedAt,
      Optional<Instant> decidedAt) {
    this(runId, token, drill, outageStartedAt, detectedAt, decidedAt, Map.of());
  }

  /** A planned run (no outage timings). */
  public static RunRequest planned(String runId, FencingToken token) {
    return new RunRequest(
        runId, token, false, Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** A run answering an outage, with the agent's detection and decision times. */
  public static RunRequest outage(
      String runId,
      FencingToken token,
      Instant outageStartedAt,
      Instant detectedAt,
      Instant decidedAt) {
    return new RunRequest(
        runId,
        token,
        false,
        Optional.of(outageStartedAt),
        Optional.of(detectedAt),
        Optional.of(decidedAt));
  }

  public RunRequest asDrill() {
    return new RunRequest(runId, token, true, outageStartedAt, detectedAt, decidedAt, notes);
  }

  /** The same request with one more labelled sentence for the report. */
  public RunRequest withNote(String label, String words) {
    Map<String, String> n = new LinkedHashMap<>(notes);
    n.put(label, Objects.requireNonNull(words, "words"));
    return new RunRequest(runId, token, drill, outageStartedAt, detectedAt, decidedAt, n);
  }

  /** The same request under another run id (a retry of the same activation). */
  public RunRequest withRunId(String id) {
    return new RunRequest(id, token, drill, outageStartedAt, detectedAt, decidedAt, notes);
  }

  /** The same request with the decision time set (an operator's or the agent's). */
  public RunRequest withDecidedAt(Instant at) {
    return new RunRequest(runId, token, drill, outageStartedAt, detectedAt, Optional.of(at), notes);
  }
}
