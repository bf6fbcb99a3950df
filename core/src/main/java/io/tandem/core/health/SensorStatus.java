package io.tandem.core.health;

/** One sensor's verdict on one reading. */
public enum SensorStatus {
  OK,
  /** Degraded but not failing (counts as good for hysteresis, shown to operators). */
  WARN,
  FAIL,
  /** The sensor did not answer within its timeout, or threw. Counts as FAIL. */
  TIMEOUT;

  public boolean good() {
    return this == OK || this == WARN;
  }
}
