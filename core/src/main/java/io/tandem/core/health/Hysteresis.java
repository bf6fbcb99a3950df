package io.tandem.core.health;

import java.time.Instant;

/**
 * Fall/rise hysteresis of one sensor: it goes down after {@code fall} bad readings in a row and
 * comes back up after {@code rise} good readings in a row; a single reading never flips it (unless
 * the count is 1). Pure and immutable.
 *
 * @param fall bad readings in a row to go down (>= 1)
 * @param rise good readings in a row to come back up (>= 1)
 */
public record Hysteresis(int fall, int rise) {

  public Hysteresis {
    if (fall < 1 || rise < 1) {
      throw new IllegalArgumentException("fall and rise must be >= 1, were " + fall + "/" + rise);
    }
  }

  /** The state before any reading: up or down as configured, with no counts. */
  public SensorState initial(SensorSpec spec, boolean up, Instant at) {
    SensorReading none =
        new SensorReading(
            up ? SensorStatus.OK : SensorStatus.FAIL,
            Double.NaN,
            "",
            "no reading yet (starts " + (up ? "up" : "down") + ")",
            at);
    return new SensorState(spec, none, up, 0, 0);
  }

  /** The state after {@code reading}. */
  public SensorState next(SensorState state, SensorReading reading) {
    boolean good = reading.status().good();
    int goodRun = good ? state.consecutiveGood() + 1 : 0;
    int badRun = good ? 0 : state.consecutiveBad() + 1;
    boolean up = state.up();
    if (up && badRun >= fall) {
      up = false;
    } else if (!up && goodRun >= rise) {
      up = true;
    }
    return new SensorState(state.spec(), reading, up, goodRun, badRun);
  }
}
