package io.tandem.core.runbook;

import io.tandem.core.witness.FencingToken;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What starts a run.
 *
 * @param runId unique id (journal and report file names); letters, digits, {@code -_.}
 * @param token the ticket's fencing token the run acts under
 * @param drill true for a drill
 * @param outageStartedAt when the outage began (first bad reading), if known; from the agent
 * @param detectedAt when the agent declared the site down, if this run answers an outage
 * @param decidedAt when the agent (or operator) decided to run
 */
public record RunRequest(
    String runId,
    FencingToken token,
    boolean drill,
    Optional<Instant> outageStartedAt,
    Optional<Instant> detectedAt,
    Optional<Instant> decidedAt) {

  public RunRequest {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(outageStartedAt, "outageStartedAt");
    Objects.requireNonNull(detectedAt, "detectedAt");
    Objects.requireNonNull(decidedAt, "decidedAt");
    if (!runId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,120}")) {
      throw new IllegalArgumentException("runId must match [A-Za-z0-9][A-Za-z0-9._-]*: " + runId);
    }
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
    return new RunRequest(runId, token, true, outageStartedAt, detectedAt, decidedAt);
  }
}
