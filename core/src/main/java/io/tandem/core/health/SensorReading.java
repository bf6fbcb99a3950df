package io.tandem.core.health;

import java.time.Instant;
import java.util.Objects;

/**
 * One reading of one sensor.
 *
 * @param status the verdict
 * @param value the measured number (NaN when the sensor measures nothing numeric)
 * @param unit unit of {@code value}, e.g. {@code ms}, {@code %}, {@code calls}
 * @param detail a short human sentence ("200 OK in 3.1 ms from 127.0.0.1:5060")
 * @param at when it was taken
 */
public record SensorReading(
    SensorStatus status, double value, String unit, String detail, Instant at) {

  public SensorReading {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(unit, "unit");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(at, "at");
  }

  public static SensorReading ok(double value, String unit, String detail, Instant at) {
    return new SensorReading(SensorStatus.OK, value, unit, detail, at);
  }

  public static SensorReading fail(String detail, Instant at) {
    return new SensorReading(SensorStatus.FAIL, Double.NaN, "", detail, at);
  }
}
