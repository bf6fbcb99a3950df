package io.tandem.core.runbook;

import java.util.Objects;

/**
 * What the engine needs to know about a step besides its behaviour.
 *
 * @param id unique within a runbook, stable across restarts (the journal refers to it), e.g. {@code
 *     move-address:eipalloc-1}
 * @param title one line for people, e.g. {@code Move 203.0.113.10 to site b}
 * @param provider provider endpoint the step talks to; steps with the same provider share one
 *     circuit breaker, e.g. {@code aws-eip}
 * @param safeToRepeat whether applying again after an interrupted apply is harmless. A step that is
 *     not safe to repeat is applied at most once per run, even across crashes, and is never retried
 * @param bestEffort whether a failure is reported but does not stop the run (fencing the old site)
 * @param policy timeout, retry and verification pacing
 */
public record StepSpec(
    String id,
    String title,
    String provider,
    boolean safeToRepeat,
    boolean bestEffort,
    StepPolicy policy) {

  public StepSpec {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(policy, "policy");
    if (id.isBlank() || id.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("step id must be non-blank without spaces: '" + id + "'");
    }
  }

  /** A step that is safe to repeat and must succeed. */
  public static StepSpec of(String id, String title, String provider, StepPolicy policy) {
    return new StepSpec(id, title, provider, true, false, policy);
  }

  public StepSpec withSafeToRepeat(boolean value) {
    return new StepSpec(id, title, provider, value, bestEffort, policy);
  }

  public StepSpec withBestEffort(boolean value) {
    return new StepSpec(id, title, provider, safeToRepeat, value, policy);
  }
}
