package io.tandem.core.agent.effects;

import java.util.Objects;
import java.util.Optional;

/**
 * How an activation ended, handed back to the agent core so that a holder that cannot do its job
 * retries and then steps down (Patroni demotes a leader that cannot do its job).
 *
 * @param epoch the epoch the activation ran under
 * @param outcome how it ended
 * @param words why, in words ("run failover-9 FAILED: journal unwritable: No space left on device")
 * @param runId the run that carried it out, if one started
 */
public record ActivationResult(long epoch, Outcome outcome, String words, Optional<String> runId) {

  /** How an activation ended. */
  public enum Outcome {
    /** The service is verified at this site. */
    SUCCEEDED,
    /** It could not complete (a required step failed, the journal is unwritable, ...). */
    FAILED,
    /** It stopped because the ticket was lost or a fence cancelled it; nothing more changes. */
    CANCELLED,
    /** A step that is not safe to repeat may be half-applied; an operator must look. */
    NEEDS_OPERATOR
  }

  public ActivationResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(words, "words");
    Objects.requireNonNull(runId, "runId");
  }
}
