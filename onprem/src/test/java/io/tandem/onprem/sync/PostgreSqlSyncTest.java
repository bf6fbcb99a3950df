package io.tandem.onprem.sync;

import io.tandem.core.config.SqlEngine;
import io.tandem.testkit.DatabasePeer;
import io.tandem.testkit.PostgreSql;
import io.tandem.testkit.PostgreSqlPeer;
import org.junit.jupiter.api.BeforeAll;

/** The sql kind against PostgreSQL 15 (Debian {@code postgresql}). */
@PostgreSql
class PostgreSqlSyncTest extends SqlSyncContract {

  static PostgreSqlPeer peer;

  static {
    // Surefire runs with -ea; pgjdbc asserts internally that a connection it is failing over is
    // usable, and that assertion (not a SQLException) would be what a lost connection throws here.
    // Production runs without -ea and gets the driver's SQLException, as this test must.
    ClassLoader.getSystemClassLoader().setPackageAssertionStatus("org.postgresql", false);
    PostgreSqlSyncTest.class.getClassLoader().setPackageAssertionStatus("org.postgresql", false);
  }

  @BeforeAll
  static void peer(PostgreSqlPeer p) {
    peer = p;
  }

  @Override
  DatabasePeer db() {
    return peer;
  }

  @Override
  SqlEngine engine() {
    return SqlEngine.POSTGRESQL;
  }

  @Override
  String binaryType() {
    return "BYTEA";
  }

  @Override
  String timestampType() {
    return "TIMESTAMP";
  }

  @Override
  String killOthers() {
    return "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'tandem_b'"
        + " AND application_name = 'tandem-sync' AND pid <> pg_backend_pid()";
  }
}
