package io.tandem.core.config;

import java.util.Objects;

/**
 * One rule a configuration value breaks, relative to the object being built.
 *
 * @param field the field path relative to the builder, e.g. {@code allocationId} or {@code
 *     serviceAddresses[0].allocationId}
 * @param expected what was expected, in words, e.g. {@code "a duration such as 3s"}
 */
public record Violation(String field, String expected) {

  public Violation {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(expected, "expected");
  }

  /** This violation seen from an enclosing object, e.g. {@code sites[1]} + {@code name}. */
  public Violation under(String prefix) {
    if (prefix.isEmpty()) {
      return this;
    }
    if (field.isEmpty()) {
      return new Violation(prefix, expected);
    }
    return new Violation(field.startsWith("[") ? prefix + field : prefix + "." + field, expected);
  }

  @Override
  public String toString() {
    return field + ": " + expected;
  }
}
