package io.tandem.core.runbook;

import java.util.Objects;

/**
 * What {@link Step#observe} found, and what {@link Step#apply} would change.
 *
 * @param resource the resource in words, e.g. {@code address eipalloc-1 (203.0.113.10)}
 * @param before its current state, e.g. {@code attached to i-a}
 * @param after the state after apply, e.g. {@code attached to i-b}; equals {@code before} when no
 *     change is needed
 * @param changeNeeded false when the resource is already in the desired state (or the step only
 *     checks something)
 * @param check true for a step that only checks (outside verification): it never applies
 */
public record Observation(
    String resource, String before, String after, boolean changeNeeded, boolean check) {

  public Observation {
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(before, "before");
    Objects.requireNonNull(after, "after");
    if (check && changeNeeded) {
      throw new IllegalArgumentException("a check never needs a change");
    }
  }

  /** An observation of a step that changes things. */
  public Observation(String resource, String before, String after, boolean changeNeeded) {
    this(resource, before, after, changeNeeded, false);
  }

  /** A change from {@code before} to {@code after}; no change needed if they are equal. */
  public static Observation change(String resource, String before, String after) {
    return new Observation(resource, before, after, !before.equals(after));
  }

  /** A read-only check: nothing to apply, only verification. */
  public static Observation check(String resource, String state) {
    return new Observation(resource, state, state, false, true);
  }
}
