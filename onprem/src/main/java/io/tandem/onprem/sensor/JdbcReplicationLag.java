package io.tandem.onprem.sensor;

import io.tandem.onprem.sensor.ReplicationLagQuery.Lag;
import io.tandem.onprem.sensor.ReplicationLagQuery.Lag.State;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@link ReplicationLagQuery} over JDBC. The driver is not a dependency of Tandem: put the
 * PostgreSQL or MariaDB driver jar on the class path of deployments that use this sensor. Opens a
 * short connection per reading (login and query timeouts bounded by {@code timeout}), so a hung
 * database never holds a pool.
 */
public final class JdbcReplicationLag implements ReplicationLagQuery {

  /** Which database, and so which query. */
  public enum Dialect {
    /**
     * {@code pg_last_xact_replay_timestamp()} on a standby; 0 when everything received has been
     * replayed (an idle primary would otherwise look like growing lag).
     */
    POSTGRESQL(
        "SELECT pg_is_in_recovery() AS standby,"
            + " (pg_last_wal_receive_lsn() IS NOT NULL) AS receiving,"
            + " CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            + " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END AS lag"),
    /** {@code SHOW REPLICA STATUS} (MariaDB 10.5.1+, MySQL 8.0.22+). */
    MARIADB("SHOW REPLICA STATUS");

    private final String sql;

    Dialect(String sql) {
      this.sql = sql;
    }
  }

  private final Dialect dialect;
  private final String url;
  private final String user;
  private final String password;
  private final Duration timeout;

  public JdbcReplicationLag(
      Dialect dialect, String url, String user, String password, Duration timeout) {
    this.dialect = dialect;
    this.url = url;
    this.user = user;
    this.password = password;
    this.timeout = timeout;
  }

  @Override
  public Lag query() {
    int seconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
    DriverManager.setLoginTimeout(seconds);
    try (Connection c = DriverManager.getConnection(url, user, password);
        Statement s = c.createStatement()) {
      s.setQueryTimeout(seconds);
      try (ResultSet rs = s.executeQuery(dialect.sql)) {
        Optional<Map<String, Object>> row = firstRow(rs);
        return dialect == Dialect.POSTGRESQL ? postgres(row) : mariaDb(row);
      }
    } catch (SQLException e) {
      // never include the URL's credentials; the message of a driver may: keep only the state
      return new Lag(
          State.UNREACHABLE,
          Duration.ZERO,
          "database query failed (SQLState " + e.getSQLState() + ")");
    }
  }

  private static Optional<Map<String, Object>> firstRow(ResultSet rs) throws SQLException {
    if (!rs.next()) {
      return Optional.empty();
    }
    ResultSetMetaData md = rs.getMetaData();
    Map<String, Object> row = new HashMap<>();
    for (int i = 1; i <= md.getColumnCount(); i++) {
      row.put(md.getColumnLabel(i).toLowerCase(Locale.ROOT), rs.getObject(i));
    }
    return Optional.of(row);
  }

  /** Interprets the PostgreSQL row (columns {@code standby}, {@code receiving}, {@code lag}). */
  static Lag postgres(Optional<Map<String, Object>> row) {
    if (row.isEmpty() || !Boolean.TRUE.equals(row.get().get("standby"))) {
      return new Lag(State.NOT_A_REPLICA, Duration.ZERO, "not in recovery: a primary");
    }
    if (!Boolean.TRUE.equals(row.get().get("receiving"))) {
      return new Lag(State.BROKEN, Duration.ZERO, "standby without a WAL receiver");
    }
    Object lag = row.get().get("lag");
    if (!(lag instanceof Number n)) {
      return new Lag(State.BROKEN, Duration.ZERO, "standby has replayed nothing yet");
    }
    return replicating(n.doubleValue());
  }

  /** Interprets the first row of {@code SHOW REPLICA STATUS} (column labels lower-cased). */
  static Lag mariaDb(Optional<Map<String, Object>> row) {
    if (row.isEmpty()) {
      return new Lag(State.NOT_A_REPLICA, Duration.ZERO, "no replication configured");
    }
    Map<String, Object> r = row.get();
    String io = String.valueOf(first(r, "slave_io_running", "replica_io_running"));
    String sql = String.valueOf(first(r, "slave_sql_running", "replica_sql_running"));
    Object behind = first(r, "seconds_behind_master", "seconds_behind_source");
    if (!"Yes".equalsIgnoreCase(io) || !"Yes".equalsIgnoreCase(sql) || behind == null) {
      Object error = first(r, "last_error", "last_sql_error");
      return new Lag(
          State.BROKEN,
          Duration.ZERO,
          "replication stopped: IO "
              + io
              + ", SQL "
              + sql
              + (error == null || error.toString().isEmpty() ? "" : ", " + error));
    }
    return replicating(Double.parseDouble(behind.toString()));
  }

  private static Object first(Map<String, Object> row, String a, String b) {
    return row.containsKey(a) ? row.get(a) : row.get(b);
  }

  private static Lag replicating(double seconds) {
    return new Lag(
        State.REPLICATING,
        Duration.ofMillis((long) (Math.max(0, seconds) * 1000)),
        String.format(Locale.ROOT, "%.1f s behind the primary", Math.max(0, seconds)));
  }
}
