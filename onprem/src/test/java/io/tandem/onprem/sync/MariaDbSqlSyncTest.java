package io.tandem.onprem.sync;

import io.tandem.core.config.SqlEngine;
import io.tandem.testkit.DatabasePeer;
import io.tandem.testkit.MariaDb;
import io.tandem.testkit.MariaDbPeer;
import org.junit.jupiter.api.BeforeAll;

/** The sql kind against MariaDB 10.11 (Debian {@code mariadb-server}). */
@MariaDb
class MariaDbSqlSyncTest extends SqlSyncContract {

  static MariaDbPeer peer;

  @BeforeAll
  static void peer(MariaDbPeer p) {
    peer = p;
  }

  @Override
  DatabasePeer db() {
    return peer;
  }

  @Override
  SqlEngine engine() {
    return SqlEngine.MARIADB;
  }

  @Override
  String binaryType() {
    return "BLOB";
  }

  @Override
  String timestampType() {
    return "DATETIME";
  }

  @Override
  String killOthers() {
    // every session of the sync user on the receiver's database except this one
    return "BEGIN NOT ATOMIC FOR s IN (SELECT id FROM information_schema.processlist WHERE db ="
        + " 'tandem_b' AND id <> CONNECTION_ID()) DO KILL CONNECTION s.id; END FOR; END";
  }
}
