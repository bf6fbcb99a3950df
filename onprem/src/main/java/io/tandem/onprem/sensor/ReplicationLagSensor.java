package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import io.tandem.onprem.sensor.ReplicationLagQuery.Lag;

/**
 * Kind {@code db-replication-lag}: seconds the standby's database lags behind the primary. On the
 * active site (a primary) the reading is OK when {@code expectReplica} is false and WARN otherwise;
 * stopped replication is FAIL. Value: lag in seconds.
 */
public final class ReplicationLagSensor extends BaseSensor {

  private final ReplicationLagQuery query;
  private final Thresholds thresholds;
  private final boolean expectReplica;

  public ReplicationLagSensor(
      SensorSpec spec,
      SensorContext context,
      ReplicationLagQuery query,
      Thresholds thresholds,
      boolean expectReplica) {
    super(spec, context);
    this.query = query;
    this.thresholds = thresholds;
    this.expectReplica = expectReplica;
  }

  @Override
  protected SensorReading measure() {
    Lag lag = query.query();
    return switch (lag.state()) {
      case REPLICATING -> {
        double s = lag.lag().toMillis() / 1000.0;
        yield reading(thresholds.judge(s), s, "s", lag.detail());
      }
      case NOT_A_REPLICA ->
          reading(expectReplica ? SensorStatus.WARN : SensorStatus.OK, 0, "s", lag.detail());
      case BROKEN, UNREACHABLE -> reading(SensorStatus.FAIL, Double.NaN, "s", lag.detail());
    };
  }
}
