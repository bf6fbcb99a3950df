package io.tandem.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Collects what is wrong with a configuration object so that every problem is reported at once
 * rather than one per run. Not thread-safe; one instance per validation.
 */
public final class Violations {

  private final List<Violation> list = new ArrayList<>();

  public void add(String field, String expected) {
    list.add(new Violation(field, expected));
  }

  /** Adds the nested violations of a child object, prefixed with the child's path. */
  public void addAll(String prefix, Collection<Violation> nested) {
    nested.forEach(v -> list.add(v.under(prefix)));
  }

  /** Records a missing required field; returns whether the value is present. */
  public boolean required(Object value, String field, String expected) {
    if (value == null || (value instanceof String s && s.isBlank())) {
      add(field, "missing: expected " + expected);
      return false;
    }
    return true;
  }

  /** Records a non-positive duration; returns whether it is positive (null counts as fine). */
  public boolean positive(Duration value, String field) {
    if (value != null && (value.isZero() || value.isNegative())) {
      add(field, "expected a positive duration such as 3s, was " + Durations.format(value));
      return false;
    }
    return true;
  }

  public void port(Integer value, String field) {
    if (value != null && (value < 1 || value > 65535)) {
      add(field, "expected a port number between 1 and 65535, was " + value);
    }
  }

  public void atLeast(Integer value, int minimum, String field) {
    if (value != null && value < minimum) {
      add(field, "expected a whole number >= " + minimum + ", was " + value);
    }
  }

  public boolean isEmpty() {
    return list.isEmpty();
  }

  public List<Violation> list() {
    return List.copyOf(list);
  }

  /** Throws {@link InvalidConfigException} listing every violation, if there is any. */
  public void throwIfAny(String what) {
    if (!list.isEmpty()) {
      throw InvalidConfigException.of(what, list);
    }
  }
}
