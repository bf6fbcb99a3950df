package io.tandem.core.witness;

import io.tandem.core.error.ConfigException;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the built-in witness. Immutable; build with {@link #builder()}, which validates and
 * names the offending field.
 *
 * @param grace how long after a ticket expired (on the witness's clock) it stays reserved for its
 *     holder before another site may get it; covers clock-rate differences and fencing time
 * @param minTtl the shortest lease the witness grants (a shorter request is raised to it)
 * @param maxTtl the longest lease the witness grants (a longer request is cut to it)
 */
public record WitnessSettings(Duration grace, Duration minTtl, Duration maxTtl) {

  public WitnessSettings {
    Objects.requireNonNull(grace, "grace");
    Objects.requireNonNull(minTtl, "minTtl");
    Objects.requireNonNull(maxTtl, "maxTtl");
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Defaults: the shipped grace ({@code Timings.DEFAULT_WITNESS_GRACE}), TTL between {@code
   * Timings.MIN_TICKET_TTL} (500 ms) and 60 s.
   */
  public static WitnessSettings defaults() {
    return builder().build();
  }

  /** Builds validated {@link WitnessSettings}. Not thread-safe. */
  public static final class Builder {
    private Duration grace = io.tandem.core.config.Timings.DEFAULT_WITNESS_GRACE;
    private Duration minTtl = io.tandem.core.config.Timings.MIN_TICKET_TTL;
    private Duration maxTtl = Duration.ofSeconds(60);

    private Builder() {}

    public Builder grace(Duration grace) {
      this.grace = grace;
      return this;
    }

    public Builder minTtl(Duration minTtl) {
      this.minTtl = minTtl;
      return this;
    }

    public Builder maxTtl(Duration maxTtl) {
      this.maxTtl = maxTtl;
      return this;
    }

    /**
     * @throws ConfigException naming the field when a value is missing or out of range
     */
    public WitnessSettings build() {
      requirePositive("witness.grace", grace, true);
      requirePositive("witness.minTtl", minTtl, false);
      requirePositive("witness.maxTtl", maxTtl, false);
      if (maxTtl.compareTo(minTtl) < 0) {
        throw new ConfigException(
            "witness.maxTtl: expected >= witness.minTtl (" + minTtl + "), was " + maxTtl);
      }
      return new WitnessSettings(grace, minTtl, maxTtl);
    }

    static void requirePositive(String field, Duration value, boolean zeroAllowed) {
      if (value == null) {
        throw new ConfigException(field + ": expected a duration, was missing");
      }
      if (value.isNegative() || (!zeroAllowed && value.isZero())) {
        throw new ConfigException(
            field
                + ": expected a "
                + (zeroAllowed ? "non-negative" : "positive")
                + " duration, was "
                + value);
      }
    }
  }
}
