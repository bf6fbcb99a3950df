package io.tandem.onprem.pbx;

import io.tandem.core.error.TandemException;
import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;

/**
 * A {@link HealthSensor} made of a spec and a function that reads the PBX; a {@link
 * TandemException} (no connection, login refused, connection closed) becomes a FAIL reading with
 * its message, a {@link NoAnswerException} (no answer within the reading's budget) a TIMEOUT
 * reading, and a {@link SessionBusyException} (the session is running this site's own request
 * within its budget) a WARN reading. Shared by the AMI and ESL sensor factories.
 */
public record PbxSensor(SensorSpec spec, Clock clock, Function<Instant, SensorReading> reader)
    implements HealthSensor {

  public PbxSensor {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(reader, "reader");
  }

  @Override
  public SensorReading read() {
    try {
      return reader.apply(clock.instant());
    } catch (SessionBusyException e) {
      // Busy with the site's own request that is still within its budget: a warning (good for
      // hysteresis), never a failure; past that budget the request fails and so do the readings.
      return new SensorReading(SensorStatus.WARN, Double.NaN, "", e.getMessage(), clock.instant());
    } catch (NoAnswerException e) {
      // no answer in time is not an answer that the PBX is down (a loaded host, a paused JVM):
      // TIMEOUT, which takes the sensor down only after a longer silence (core.health.Hysteresis)
      return new SensorReading(
          SensorStatus.TIMEOUT, Double.NaN, "", e.getMessage(), clock.instant());
    } catch (TandemException e) {
      return SensorReading.fail(e.getMessage(), clock.instant());
    }
  }
}
