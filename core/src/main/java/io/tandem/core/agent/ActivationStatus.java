package io.tandem.core.agent;

import java.util.Objects;

/**
 * How the latest activation of this site went, as the decision loop reads it each tick: a holder
 * whose activation failed retries with backoff and, past a bound, steps down (Patroni demotes a
 * leader that cannot do its job).
 *
 * @param phase where it stands
 * @param epoch the epoch it ran under (0 if none yet)
 * @param failures failed attempts in a row under this epoch
 * @param words the latest outcome in words ("" if none)
 * @param endedAtNanos when the latest attempt ended (agent's monotonic clock; 0 if none)
 */
public record ActivationStatus(
    Phase phase, long epoch, int failures, String words, long endedAtNanos) {

  /** Where the latest activation stands. */
  public enum Phase {
    /** None since this agent process started. */
    NONE,
    /** Running. */
    RUNNING,
    /** The service is verified here. */
    SUCCEEDED,
    /** It could not complete; nothing unsafe is half-done, so it may be retried. */
    FAILED,
    /** Stopped by a fence or a lost ticket. */
    CANCELLED,
    /** A step that is not safe to repeat may be half-applied: an operator must look. */
    NEEDS_OPERATOR,
    /**
     * The fence guard stopped the PBX after this activation began, while the ticket is still held:
     * to be activated again at once under the same epoch (not a failure: {@code failures} is
     * unchanged).
     */
    GUARD_FENCED
  }

  public static final ActivationStatus NONE = new ActivationStatus(Phase.NONE, 0, 0, "", 0);

  public ActivationStatus {
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(words, "words");
  }
}
