package io.tandem.core.config;

import java.util.Objects;

/**
 * A resolved secret value. {@link #toString()} prints {@code ****}; call {@link #reveal()} only at
 * the point where the value is handed to a client library, and never log the result.
 */
public final class Secret {

  private final String value;

  public Secret(String value) {
    this.value = Objects.requireNonNull(value, "value");
  }

  /** The plaintext. Do not log, store or put it in an exception message. */
  public String reveal() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && s.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return "****";
  }
}
