package io.tandem.onprem.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.core.config.SqlEngine;
import io.tandem.core.config.SyncJobConfig;
import io.tandem.core.config.SyncKind;
import io.tandem.core.config.SyncSource;
import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncSender;
import io.tandem.core.sync.SyncSink;
import io.tandem.testkit.DatabasePeer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sql kind against a real server: one database stands for the sender's site, the other for the
 * receiver's. Copies a consistent table set in one transaction, only the tables that differ, and
 * leaves the receiver exactly as it was when the content is cut, does not match its checksum, or
 * the receiver's database connection is lost in the middle of the transaction.
 */
abstract class SqlSyncContract {

  abstract DatabasePeer db();

  abstract SqlEngine engine();

  abstract String binaryType();

  abstract String timestampType();

  abstract String killOthers();

  SyncSource.Sql source() {
    return (SyncSource.Sql)
        SyncJobConfig.builder()
            .name("cdr")
            .kind(SyncKind.SQL)
            .engine(engine())
            .host(db().host())
            .port(db().port())
            .database(db().database())
            .user(db().user())
            .password(io.tandem.core.config.SecretRef.parse("${env:X}").orElseThrow())
            .table("cdr")
            .table("cel")
            .endpoint("beta", db().host() + ":" + db().port() + "/" + db().secondDatabase())
            .build()
            .source();
  }

  Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(db().jdbcUrl(database), db().user(), db().password());
  }

  void exec(String database, String... sql) throws SQLException {
    try (Connection c = connect(database);
        Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    }
  }

  List<String> rows(String database, String table) throws SQLException {
    try (Connection c = connect(database);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM " + table + " ORDER BY 1, 2")) {
      List<String> out = new java.util.ArrayList<>();
      while (rs.next()) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          Object o = rs.getObject(i);
          sb.append(
                  o instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : String.valueOf(o))
              .append('|');
        }
        out.add(sb.toString());
      }
      return out;
    }
  }

  @BeforeEach
  void schema() throws SQLException {
    for (String d : List.of(db().database(), db().secondDatabase())) {
      exec(
          d,
          "DROP TABLE IF EXISTS cdr",
          "DROP TABLE IF EXISTS cel",
          "CREATE TABLE cdr (id INT PRIMARY KEY, src VARCHAR(80), billsec INT, calldate "
              + timestampType()
              + ", recording "
              + binaryType()
              + " NULL)",
          "CREATE TABLE cel (eventtype VARCHAR(30), uniqueid VARCHAR(40))");
    }
    exec(
        db().database(),
        "INSERT INTO cdr VALUES (1, 'alice\ttab', 30, '2026-12-01 10:00:00', NULL)",
        "INSERT INTO cdr VALUES (2, 'bob \\\\N %', 0, '2026-12-01 11:00:00', 'wav!')",
        "INSERT INTO cdr VALUES (3, NULL, 12, '2026-12-01 12:00:00', NULL)",
        "INSERT INTO cel VALUES ('CHAN_START', 'u-1')",
        "INSERT INTO cel VALUES ('HANGUP', 'u-1')");
    String[] more = new String[1190];
    for (int i = 10; i < 1200; i++) {
      more[i - 10] =
          "INSERT INTO cdr VALUES ("
              + i
              + ", 'caller "
              + i
              + "', "
              + i
              + ", '2026-12-02 10:00:00', NULL)";
    }
    exec(db().database(), more);
  }

  private record Run(List<String> need, SyncSink.Applied applied) {}

  interface Cut {
    InputStream apply(byte[] data);
  }

  Run run(Cut cut) throws IOException {
    SqlSender sender =
        new SqlSender("cdr", source(), "alpha", () -> db().password(), Duration.ofSeconds(30));
    SqlSink sink =
        new SqlSink("cdr", source(), "beta", () -> db().password(), Duration.ofSeconds(30));
    try (SyncSender.Snapshot snap = sender.snapshot()) {
      ByteArrayOutputStream manifest = new ByteArrayOutputStream();
      snap.writeManifest(manifest);
      SyncSink.Prepared plan = sink.prepare(new ByteArrayInputStream(manifest.toByteArray()));
      if (!plan.pending()) {
        return new Run(List.of(), null);
      }
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      snap.writeData(plan.need(), data, () -> true);
      return new Run(plan.need(), plan.apply(cut.apply(data.toByteArray())));
    }
  }

  @Test
  void theTableSetIsCopiedInOneTransactionAndOnlyChangedTablesMove() throws Exception {
    Run first = run(ByteArrayInputStream::new);
    assertThat(first.need()).containsExactly("cdr", "cel");
    assertThat(first.applied().rows()).isEqualTo(1193 + 2);
    assertThat(rows(db().secondDatabase(), "cdr")).isEqualTo(rows(db().database(), "cdr"));
    assertThat(rows(db().secondDatabase(), "cel")).isEqualTo(rows(db().database(), "cel"));
    assertThat(run(ByteArrayInputStream::new).need()).isEmpty();

    exec(db().database(), "UPDATE cdr SET billsec = 99 WHERE id = 3");
    assertThat(run(ByteArrayInputStream::new).need()).containsExactly("cdr");
    assertThat(rows(db().secondDatabase(), "cdr")).isEqualTo(rows(db().database(), "cdr"));
  }

  @Test
  void contentCutMidwayIsRolledBack() throws Exception {
    run(ByteArrayInputStream::new);
    List<String> before = rows(db().secondDatabase(), "cdr");
    exec(db().database(), "DELETE FROM cdr WHERE id >= 600", "UPDATE cdr SET src = 'changed'");
    assertThatThrownBy(() -> run(d -> new ByteArrayInputStream(Arrays.copyOf(d, d.length / 2))))
        .isInstanceOfSatisfying(
            SyncFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(SyncReason.TRANSFER_FAILED));
    assertThat(rows(db().secondDatabase(), "cdr")).isEqualTo(before);
  }

  @Test
  void rowsThatDoNotMatchTheirChecksumAreRolledBack() throws Exception {
    run(ByteArrayInputStream::new);
    List<String> before = rows(db().secondDatabase(), "cdr");
    exec(db().database(), "UPDATE cdr SET src = 'changed' WHERE id = 1");
    assertThatThrownBy(
            () ->
                run(
                    d -> {
                      String s =
                          new String(d, java.nio.charset.StandardCharsets.UTF_8)
                              .replace("changed", "chanGed");
                      return new ByteArrayInputStream(
                          s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    }))
        .isInstanceOfSatisfying(
            SyncFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(SyncReason.VERIFY_FAILED));
    assertThat(rows(db().secondDatabase(), "cdr")).isEqualTo(before);
  }

  @Test
  void aDatabaseConnectionLostInTheMiddleOfTheTransactionChangesNothing() throws Exception {
    run(ByteArrayInputStream::new);
    List<String> before = rows(db().secondDatabase(), "cdr");
    exec(db().database(), "UPDATE cdr SET billsec = billsec + 1");
    CountDownLatch halfway = new CountDownLatch(1);
    CountDownLatch killed = new CountDownLatch(1);
    Thread killer =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    halfway.await();
                    // the receiver's session has deleted and re-inserted part of cdr, uncommitted
                    exec(db().secondDatabase(), killOthers());
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  } finally {
                    killed.countDown();
                  }
                });
    assertThatThrownBy(
            () ->
                run(
                    d ->
                        new InputStream() {
                          int pos;

                          @Override
                          public int read() throws IOException {
                            if (pos == d.length * 3 / 4) {
                              halfway.countDown();
                              try {
                                killed.await(30, TimeUnit.SECONDS);
                              } catch (InterruptedException e) {
                                throw new IOException(e);
                              }
                            }
                            return pos < d.length ? d[pos++] & 0xff : -1;
                          }
                        }))
        .isInstanceOfSatisfying(
            SyncFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(SyncReason.APPLY_FAILED));
    killer.join();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> rows(db().secondDatabase(), "cdr").equals(before));
  }
}
