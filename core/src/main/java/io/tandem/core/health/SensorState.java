package io.tandem.core.health;

import java.time.Instant;
import java.util.Objects;

/**
 * One sensor's state after hysteresis.
 *
 * @param spec the sensor's spec
 * @param last its last reading
 * @param up whether it counts as passing now (after {@code fall}/{@code rise} hysteresis)
 * @param consecutiveGood good readings in a row
 * @param consecutiveBad bad readings in a row
 * @param badSince when the first of the {@code consecutiveBad} readings was taken (null when none)
 * @param failedInRun whether one of them was a {@link SensorStatus#FAIL} (an answer that says the
 *     service is down), not only {@link SensorStatus#TIMEOUT}s (no answer in time)
 */
public record SensorState(
    SensorSpec spec,
    SensorReading last,
    boolean up,
    int consecutiveGood,
    int consecutiveBad,
    Instant badSince,
    boolean failedInRun) {

  public SensorState {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(last, "last");
    if (consecutiveBad > 0) {
      Objects.requireNonNull(badSince, "badSince");
    }
  }

  /** A state whose bad run (if any) started with {@code last} and failed outright. */
  public SensorState(
      SensorSpec spec, SensorReading last, boolean up, int consecutiveGood, int consecutiveBad) {
    this(
        spec,
        last,
        up,
        consecutiveGood,
        consecutiveBad,
        consecutiveBad > 0 ? last.at() : null,
        consecutiveBad > 0);
  }
}
