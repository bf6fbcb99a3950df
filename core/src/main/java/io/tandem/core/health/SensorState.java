package io.tandem.core.health;

import java.util.Objects;

/**
 * One sensor's state after hysteresis.
 *
 * @param spec the sensor's spec
 * @param last its last reading
 * @param up whether it counts as passing now (after {@code fall}/{@code rise} hysteresis)
 * @param consecutiveGood good readings in a row
 * @param consecutiveBad bad readings in a row
 */
public record SensorState(
    SensorSpec spec, SensorReading last, boolean up, int consecutiveGood, int consecutiveBad) {

  public SensorState {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(last, "last");
  }
}
