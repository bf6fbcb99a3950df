package io.tandem.onprem.sync;

import io.tandem.core.config.SqlEngine;
import io.tandem.core.config.SyncSource;
import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncSender;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Sending side of an {@code sql} job: one read-only REPEATABLE READ transaction (MariaDB: {@code
 * START TRANSACTION WITH CONSISTENT SNAPSHOT}) held for the whole run, so the manifest's checksums
 * and the rows sent describe one consistent moment of the whole table set. Rows are streamed from
 * the server (MariaDB streaming result sets, PostgreSQL cursors), never held.
 */
public final class SqlSender implements SyncSender {

  private final String job;
  private final SyncSource.Sql source;
  private final String site;
  private final Supplier<String> password;
  private final Duration timeout;

  /**
   * @param password resolves the database password when a run starts (never logged)
   */
  public SqlSender(
      String job, SyncSource.Sql source, String site, Supplier<String> password, Duration timeout) {
    this.job = job;
    this.source = source;
    this.site = site;
    this.password = password;
    this.timeout = timeout;
  }

  @Override
  public Snapshot snapshot() throws IOException {
    Connection c;
    Map<String, SqlTables.Table> tables = new LinkedHashMap<>();
    Map<String, String[]> sums = new LinkedHashMap<>();
    try {
      c = SqlTables.connect(source, site, password.get(), timeout);
    } catch (SQLException e) {
      throw new IOException(
          "sync "
              + job
              + ": cannot connect to "
              + source.engine()
              + " at "
              + source.endpointOf(site)
              + ": "
              + e.getMessage(),
          e);
    }
    try {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      if (source.engine() == SqlEngine.MARIADB) {
        try (Statement s = c.createStatement()) {
          s.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
        }
      }
      for (String name : source.tables()) {
        SqlTables.Table t = SqlTables.describe(c, name);
        tables.put(name, t);
        sums.put(name, SqlTables.checksum(c, t));
      }
    } catch (SQLException e) {
      close(c);
      throw new IOException("sync " + job + ": cannot read the tables: " + e.getMessage(), e);
    }
    long rows = sums.values().stream().mapToLong(s -> Long.parseLong(s[0])).sum();
    return new Snapshot() {
      @Override
      public void writeManifest(OutputStream out) throws IOException {
        StringBuilder sb = new StringBuilder(SqlSink.HEADER).append('\n');
        for (var e : tables.entrySet()) {
          String[] s = sums.get(e.getKey());
          sb.append(e.getKey())
              .append('\t')
              .append(s[0])
              .append('\t')
              .append(s[1])
              .append('\t')
              .append(e.getValue().signature())
              .append('\n');
        }
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
      }

      @Override
      public void writeData(List<String> need, OutputStream out, BooleanSupplier stillAllowed)
          throws IOException {
        for (String name : need) {
          if (!stillAllowed.getAsBoolean()) {
            throw new SyncFailedException(
                SyncReason.TICKET_LOST,
                "sync " + job + ": stopped sending, the gate closed during the run");
          }
          SqlTables.Table t = tables.get(name);
          if (t == null) {
            throw new IOException(
                "the receiver asked for table " + name + ", which is not in the job");
          }
          out.write(
              ("T\t" + name + "\t" + sums.get(name)[0] + "\n").getBytes(StandardCharsets.UTF_8));
          try {
            SqlTables.write(c, t, out);
          } catch (SQLException e) {
            throw new IOException(
                "sync " + job + ": reading " + name + " failed: " + e.getMessage(), e);
          }
        }
        out.flush();
      }

      @Override
      public String describe() {
        return tables.size() + " tables, " + rows + " rows";
      }

      @Override
      public void close() {
        SqlSender.close(c);
      }
    };
  }

  static void close(Connection c) {
    try {
      if (!c.isClosed()) {
        c.rollback();
      }
    } catch (SQLException ignored) {
      // the connection may be gone already; the server ends the transaction with it
    }
    try {
      c.close();
    } catch (SQLException ignored) {
      // as above
    }
  }
}
