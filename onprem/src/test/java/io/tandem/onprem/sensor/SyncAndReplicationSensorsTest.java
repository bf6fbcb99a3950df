package io.tandem.onprem.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorStatus;
import io.tandem.core.port.SyncStatus;
import io.tandem.onprem.sensor.ReplicationLagQuery.Lag;
import io.tandem.onprem.sensor.ReplicationLagQuery.Lag.State;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sync-freshness and db-replication-lag (the latter through a fake query port). */
class SyncAndReplicationSensorsTest {

  @TempDir Path root;

  @Test
  void syncFreshnessFromAStampFile() throws Exception {
    Fixture fx = new Fixture(root).file("var/lib/tandem/sync.ok", "");
    Files.setLastModifiedTime(
        root.resolve("var/lib/tandem/sync.ok"), FileTime.from(Fixture.NOW.minusSeconds(700)));
    SensorReading r =
        SyncFreshnessSensor.ofStampFile(
                Fixture.spec("sync-freshness"),
                fx.context(),
                "/var/lib/tandem/sync.ok",
                new Thresholds(600, 1800))
            .read();
    assertThat(r.value()).isEqualTo(700.0);
    assertThat(r.status()).isEqualTo(SensorStatus.WARN);

    SensorReading never =
        SyncFreshnessSensor.ofStampFile(
                Fixture.spec("sync-freshness"),
                fx.context(),
                "/var/lib/tandem/none",
                new Thresholds(600, 1800))
            .read();
    assertThat(never.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(never.detail()).contains("never synced");
  }

  @Test
  void syncFreshnessFromASyncStatus() {
    Fixture fx = new Fixture(root);
    SensorReading r =
        SyncFreshnessSensor.ofStatus(
                Fixture.spec("sync-freshness"),
                fx.context(),
                () -> new SyncStatus("files", Optional.of(Fixture.NOW.minusSeconds(5)), 5, "ok"),
                new Thresholds(600, 1800))
            .read();
    assertThat(r.status()).isEqualTo(SensorStatus.OK);
  }

  private ReplicationLagSensor lagSensor(Lag answer, boolean expectReplica) {
    return new ReplicationLagSensor(
        Fixture.spec("db-replication-lag"),
        new Fixture(root).context(),
        () -> answer,
        new Thresholds(30, 300),
        expectReplica);
  }

  @Test
  void replicationLagIsJudgedAgainstThresholds() {
    assertThat(
            lagSensor(new Lag(State.REPLICATING, Duration.ofSeconds(2), "2 s"), true)
                .read()
                .status())
        .isEqualTo(SensorStatus.OK);
    assertThat(
            lagSensor(new Lag(State.REPLICATING, Duration.ofSeconds(45), "45 s"), true)
                .read()
                .status())
        .isEqualTo(SensorStatus.WARN);
    assertThat(lagSensor(new Lag(State.BROKEN, Duration.ZERO, "IO No"), true).read().status())
        .isEqualTo(SensorStatus.FAIL);
    assertThat(lagSensor(new Lag(State.UNREACHABLE, Duration.ZERO, "down"), true).read().status())
        .isEqualTo(SensorStatus.FAIL);
    assertThat(
            lagSensor(new Lag(State.NOT_A_REPLICA, Duration.ZERO, "primary"), false)
                .read()
                .status())
        .isEqualTo(SensorStatus.OK);
    assertThat(
            lagSensor(new Lag(State.NOT_A_REPLICA, Duration.ZERO, "primary"), true).read().status())
        .isEqualTo(SensorStatus.WARN);
  }

  @Test
  void mariaDbReplicaStatusRowsAreInterpreted() {
    Map<String, Object> row = new HashMap<>();
    row.put("slave_io_running", "Yes");
    row.put("slave_sql_running", "Yes");
    row.put("seconds_behind_master", 12L);
    assertThat(JdbcReplicationLag.mariaDb(Optional.of(row)).lag())
        .isEqualTo(Duration.ofSeconds(12));

    row.put("slave_sql_running", "No");
    row.put("seconds_behind_master", null);
    row.put("last_error", "Duplicate entry");
    Lag broken = JdbcReplicationLag.mariaDb(Optional.of(row));
    assertThat(broken.state()).isEqualTo(State.BROKEN);
    assertThat(broken.detail()).contains("Duplicate entry");

    assertThat(JdbcReplicationLag.mariaDb(Optional.empty()).state()).isEqualTo(State.NOT_A_REPLICA);

    Map<String, Object> mysql = new HashMap<>();
    mysql.put("replica_io_running", "Yes");
    mysql.put("replica_sql_running", "Yes");
    mysql.put("seconds_behind_source", 0);
    assertThat(JdbcReplicationLag.mariaDb(Optional.of(mysql)).state()).isEqualTo(State.REPLICATING);
  }

  @Test
  void postgresRowsAreInterpreted() {
    Map<String, Object> standby = new HashMap<>();
    standby.put("standby", true);
    standby.put("receiving", true);
    standby.put("lag", 3.5);
    assertThat(JdbcReplicationLag.postgres(Optional.of(standby)).lag())
        .isEqualTo(Duration.ofMillis(3500));
    standby.put("receiving", false);
    assertThat(JdbcReplicationLag.postgres(Optional.of(standby)).state()).isEqualTo(State.BROKEN);
    assertThat(JdbcReplicationLag.postgres(Optional.of(Map.of("standby", false))).state())
        .isEqualTo(State.NOT_A_REPLICA);
  }

  @Test
  void anUnreachableDatabaseIsReportedNotThrown() {
    Lag lag =
        new JdbcReplicationLag(
                JdbcReplicationLag.Dialect.POSTGRESQL,
                "jdbc:postgresql://127.0.0.1:1/x",
                "u",
                "secret-password",
                Duration.ofSeconds(1))
            .query();
    assertThat(lag.state()).isEqualTo(State.UNREACHABLE);
    assertThat(lag.detail()).doesNotContain("secret-password");
  }
}
