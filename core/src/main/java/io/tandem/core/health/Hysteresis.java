package io.tandem.core.health;

import java.time.Duration;
import java.time.Instant;

/**
 * Fall/rise hysteresis of one sensor: it goes down after {@code fall} bad readings in a row and
 * comes back up after {@code rise} good readings in a row; a single reading never flips it (unless
 * the count is 1). Pure and immutable.
 *
 * <p><b>A timeout is not a failure's proof.</b> A {@link SensorStatus#FAIL} is an answer that the
 * service is down (a refused connection, a SIP 5xx, the PBX saying it stops); a {@link
 * SensorStatus#TIMEOUT} is only the absence of an answer in time, which a loaded host, a paused JVM
 * or a starved reader thread also produce (issue 17: an AMI reading starved for 873 ms on a host at
 * load 10 made the healthy holder hand over). So a run of bad readings with at least one FAIL goes
 * down after {@code fall} readings, as before, while a run of timeouts only goes down once it has
 * also lasted {@link #timeoutHold} — {@code fall} whole intervals after its first timeout, the time
 * {@code fall} more readings would have taken; a sensor that still has not answered by then is as
 * good as down (a hung PBX takes no calls). Pacemaker gives a monitor a timeout far longer than its
 * usual answer for the same reason (a timeout is a failure, so it must not come from a slow
 * moment); keepalived's {@code fall} counts a script's timeouts like its failures, with timeouts of
 * whole seconds. Tandem keeps its short timeouts for explaining failures fast and judges silence
 * over the longer window.
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
    return new SensorState(spec, none, up, 0, 0, null, false);
  }

  /**
   * How long a run of timeouts alone must last, from its first timeout, before the sensor goes
   * down: {@code fall} intervals.
   */
  public Duration timeoutHold(SensorSpec spec) {
    return spec.interval().multipliedBy(fall);
  }

  /** The state after {@code reading}. */
  public SensorState next(SensorState state, SensorReading reading) {
    boolean good = reading.status().good();
    int goodRun = good ? state.consecutiveGood() + 1 : 0;
    int badRun = good ? 0 : state.consecutiveBad() + 1;
    Instant badSince = good ? null : state.consecutiveBad() > 0 ? state.badSince() : reading.at();
    boolean failed =
        !good
            && (reading.status() == SensorStatus.FAIL
                || state.consecutiveBad() > 0 && state.failedInRun());
    boolean up = state.up();
    if (up && badRun >= fall && (failed || lasted(badSince, reading.at(), state.spec()))) {
      up = false;
    } else if (!up && goodRun >= rise) {
      up = true;
    }
    return new SensorState(state.spec(), reading, up, goodRun, badRun, badSince, failed);
  }

  private boolean lasted(Instant since, Instant at, SensorSpec spec) {
    return Duration.between(since, at).compareTo(timeoutHold(spec)) >= 0;
  }
}
