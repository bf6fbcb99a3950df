package io.tandem.core.runbook;

import java.time.Duration;
import java.util.Objects;

/**
 * An approval gate: the run waits for an operator's decision.
 *
 * @param id unique within the runbook
 * @param prompt what the operator is asked, e.g. {@code Switch cluster c1 to site b?}
 * @param timeout how long to wait before applying {@code onTimeout}
 * @param onTimeout what happens when nobody decides in time
 * @param giveUpAfter with {@link TimeoutPolicy#KEEP_WAITING}: total wait after which the run is
 *     aborted anyway, so that no wait is unbounded
 */
public record Gate(
    String id, String prompt, Duration timeout, TimeoutPolicy onTimeout, Duration giveUpAfter) {

  /** What to do when a gate times out. */
  public enum TimeoutPolicy {
    /** Continue the run as if approved. */
    PROCEED,
    /** End the run as aborted. */
    ABORT,
    /** Journal a reminder and wait another {@code timeout}. */
    KEEP_WAITING
  }

  public Gate {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(onTimeout, "onTimeout");
    Objects.requireNonNull(giveUpAfter, "giveUpAfter");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("gate timeout must be > 0, was " + timeout);
    }
  }

  public static Gate of(String id, String prompt, Duration timeout, TimeoutPolicy onTimeout) {
    return new Gate(id, prompt, timeout, onTimeout, Duration.ofHours(24));
  }
}
