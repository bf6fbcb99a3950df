package io.tandem.app.agent;

import io.tandem.app.witness.HttpWitness;
import io.tandem.core.error.TandemException;
import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.time.Clock;

/**
 * Sensor {@code sip-options-external}: the built-in witness sends SIP OPTIONS from its own network
 * position to this site's public address, so the site learns whether it is reachable from outside
 * (a NAT, firewall or carrier-facing problem that a local probe cannot see). A witness that cannot
 * be asked counts as a failed reading with the reason.
 */
final class WitnessVantageProbe implements HealthSensor {

  private final SensorSpec spec;
  private final HttpWitness witness;
  private final String cluster;
  private final String target;
  private final String transport;
  private final Clock clock;

  WitnessVantageProbe(
      SensorSpec spec,
      HttpWitness witness,
      String cluster,
      String target,
      String transport,
      Clock clock) {
    this.spec = spec;
    this.witness = witness;
    this.cluster = cluster;
    this.target = target;
    this.transport = transport;
    this.clock = clock;
  }

  @Override
  public SensorSpec spec() {
    return spec;
  }

  @Override
  public SensorReading read() {
    try {
      var a = witness.probe(cluster, target, transport, spec.timeout());
      return new SensorReading(
          SensorStatus.valueOf(a.status()),
          a.value(),
          a.unit(),
          "from the witness: " + a.detail(),
          clock.instant());
    } catch (TandemException | IllegalArgumentException e) {
      return SensorReading.fail(
          "witness could not probe " + target + ": " + e.getMessage(), clock.instant());
    }
  }
}
