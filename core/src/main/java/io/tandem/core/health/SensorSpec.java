package io.tandem.core.health;

import java.time.Duration;
import java.util.Objects;

/**
 * How a sensor is scheduled and weighed.
 *
 * @param name unique within a site, e.g. {@code sip-options-local}
 * @param kind the sensor type, e.g. {@code sip-options}, {@code disk-space}
 * @param critical a failing critical sensor vetoes the site's health regardless of weights
 * @param weight contribution to the weighted score when not critical (>= 0)
 * @param interval how often it is read
 * @param timeout a reading that takes longer counts as {@link SensorStatus#TIMEOUT}
 */
public record SensorSpec(
    String name, String kind, boolean critical, int weight, Duration interval, Duration timeout) {

  public SensorSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(timeout, "timeout");
    if (weight < 0) {
      throw new IllegalArgumentException("weight must be >= 0, was " + weight);
    }
    if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("interval and timeout must be positive");
    }
  }
}
