package io.tandem.onprem.pbx;

import io.tandem.core.error.TandemException;
import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;

/**
 * A {@link HealthSensor} made of a spec and a function that reads the PBX; a {@link
 * TandemException} (no connection, no answer, login refused) becomes a FAIL reading with its
 * message. Shared by the AMI and ESL sensor factories.
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
    } catch (TandemException e) {
      return SensorReading.fail(e.getMessage(), clock.instant());
    }
  }
}
