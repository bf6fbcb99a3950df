package io.tandem.core.agent.effects;

import java.util.Objects;

/**
 * How a fence of this site ended. A fence that timed out is {@link Outcome#UNKNOWN}, never done.
 *
 * @param outcome how it ended
 * @param words what was done and what failed, in words
 */
public record FenceResult(Outcome outcome, String words) {

  /** How a fence ended. */
  public enum Outcome {
    /** Every part confirmed: this site no longer answers as the service. */
    DONE,
    /** Some part failed or did not answer within the fence budget: the site may still serve. */
    UNKNOWN
  }

  public FenceResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(words, "words");
  }
}
