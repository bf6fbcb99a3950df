package io.tandem.core.config;

import java.util.List;

/**
 * Base of every configuration builder: {@link #violations()} lists what is wrong (each naming its
 * field), and {@link #build()} creates the immutable value only when nothing is.
 *
 * <p>Builders are mutable and not thread-safe; the values they build are immutable.
 *
 * @param <T> the value built
 */
public abstract class ConfigBuilder<T> {

  /** Adds a violation for every rule the current field values break. */
  protected abstract void check(Violations violations);

  /** Creates the value; called only when {@link #check} found nothing. */
  protected abstract T create();

  /** What is built, in words, for error messages, e.g. {@code "site"}. */
  protected abstract String what();

  /** Every rule the current values break, with field paths relative to this object. */
  public final List<Violation> violations() {
    Violations v = new Violations();
    check(v);
    return v.list();
  }

  /**
   * Builds the value.
   *
   * @throws InvalidConfigException naming every field that is missing or wrong
   */
  public final T build() {
    Violations v = new Violations();
    check(v);
    v.throwIfAny(what());
    return create();
  }
}
