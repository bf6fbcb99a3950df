package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorStatus;

/**
 * Warn and fail limits for a measurement where higher is worse (percent used, seconds of lag).
 *
 * @param warn at or above this the reading is {@link SensorStatus#WARN}
 * @param fail at or above this the reading is {@link SensorStatus#FAIL}
 */
public record Thresholds(double warn, double fail) {

  public Thresholds {
    if (fail < warn) {
      throw new IllegalArgumentException("fail (" + fail + ") must be >= warn (" + warn + ")");
    }
  }

  public SensorStatus judge(double value) {
    if (Double.isNaN(value) || value >= fail) {
      return SensorStatus.FAIL;
    }
    return value >= warn ? SensorStatus.WARN : SensorStatus.OK;
  }
}
