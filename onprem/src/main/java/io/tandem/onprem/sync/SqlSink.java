package io.tandem.onprem.sync;

import io.tandem.core.config.SqlEngine;
import io.tandem.core.config.SyncSource;
import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncRefusedException;
import io.tandem.core.sync.SyncSink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Receiving side of an {@code sql} job: compares the sender's per-table checksums with this site's
 * tables (same columns required; the schema is the operator's, data is Tandem's), then applies the
 * differing tables in <em>one</em> transaction — each emptied and refilled from the streamed rows,
 * every table's rows checked against the manifest's count and SHA-256 before the commit. A content
 * that ends early (sender stopped, link cut), a hash that does not match, or a database connection
 * lost midway rolls the whole transaction back: this site's tables are exactly as they were.
 */
public final class SqlSink implements SyncSink {

  static final String HEADER = "tandem-sql-manifest 1";
  private static final int BATCH = 500;

  private final String job;
  private final SyncSource.Sql source;
  private final String site;
  private final Supplier<String> password;
  private final Duration timeout;

  public SqlSink(
      String job, SyncSource.Sql source, String site, Supplier<String> password, Duration timeout) {
    this.job = job;
    this.source = source;
    this.site = site;
    this.password = password;
    this.timeout = timeout;
  }

  private record Theirs(String table, long rows, String sha, String signature) {}

  @Override
  public Prepared prepare(InputStream manifest) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(manifest, StandardCharsets.UTF_8));
    if (!HEADER.equals(r.readLine())) {
      throw new IOException("not a tandem sql manifest");
    }
    Map<String, Theirs> theirs = new LinkedHashMap<>();
    String line;
    while ((line = r.readLine()) != null && !line.isEmpty()) {
      String[] f = line.split("\t", -1);
      if (f.length != 4 || !source.tables().contains(f[0])) {
        throw new IOException(
            "unexpected table line in the manifest: " + ManifestCodec.abbreviate(line));
      }
      theirs.put(f[0], new Theirs(f[0], Long.parseLong(f[1]), f[2], f[3]));
    }
    List<String> need = new ArrayList<>();
    Map<String, SqlTables.Table> ours = new LinkedHashMap<>();
    try (Connection c = SqlTables.connect(source, site, password.get(), timeout)) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      for (Theirs t : theirs.values()) {
        SqlTables.Table mine = SqlTables.describe(c, t.table());
        if (!mine.signature().equals(t.signature())) {
          throw new SyncRefusedException(
              SyncReason.APPLY_FAILED,
              "sync "
                  + job
                  + ": refused, table "
                  + t.table()
                  + " differs between the sites: sender has ("
                  + t.signature()
                  + "), "
                  + site
                  + " has ("
                  + mine.signature()
                  + ")");
        }
        ours.put(t.table(), mine);
        String[] sum = SqlTables.checksum(c, mine);
        if (!sum[1].equals(t.sha())) {
          need.add(t.table());
        }
      }
      c.rollback();
    } catch (SQLException e) {
      throw new IOException(
          "cannot read "
              + source.engine()
              + " at "
              + source.endpointOf(site)
              + ": "
              + e.getMessage(),
          e);
    }
    return new Prepared() {
      @Override
      public List<String> need() {
        return need;
      }

      @Override
      public boolean pending() {
        return !need.isEmpty();
      }

      @Override
      public long bytesExpected() {
        return 0;
      }

      @Override
      public Applied apply(InputStream data) throws IOException {
        return SqlSink.this.apply(need, theirs, ours, data);
      }

      @Override
      public void abandon() {}
    };
  }

  private Applied apply(
      List<String> need,
      Map<String, Theirs> theirs,
      Map<String, SqlTables.Table> ours,
      InputStream data)
      throws IOException {
    Connection c;
    try {
      c = SqlTables.connect(source, site, password.get(), timeout);
    } catch (SQLException e) {
      throw new SyncFailedException(
          SyncReason.APPLY_FAILED,
          "sync " + job + ": failed, cannot connect to the database: " + e.getMessage(),
          e);
    }
    long rows = 0;
    long bytes = 0;
    try {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        if (source.engine() == SqlEngine.MARIADB) {
          s.execute("SET FOREIGN_KEY_CHECKS = 0"); // this session only; the set is copied whole
        } else {
          s.execute("SET CONSTRAINTS ALL DEFERRED");
        }
      }
      Lines in = new Lines(data);
      for (String name : need) {
        Theirs t = theirs.get(name);
        SqlTables.Table table = ours.get(name);
        String header = in.readLine();
        if (header == null) {
          throw new SyncFailedException(
              SyncReason.TRANSFER_FAILED, "the content ended early (sender stopped or link cut)");
        }
        if (!header.equals("T\t" + name + "\t" + t.rows())) {
          throw new SyncFailedException(
              SyncReason.VERIFY_FAILED,
              "expected table " + name + " next, got " + ManifestCodec.abbreviate(header));
        }
        try (Statement s = c.createStatement()) {
          s.executeUpdate("DELETE FROM " + name);
        }
        MessageDigest md = TreeScanner.digest();
        try (PreparedStatement ps = c.prepareStatement(table.insert())) {
          for (long i = 0; i < t.rows(); i++) {
            String row = in.readLine();
            if (row == null) {
              throw new SyncFailedException(
                  SyncReason.TRANSFER_FAILED,
                  "the content ended early in table " + name + " (sender stopped or link cut)");
            }
            byte[] raw = (row + "\n").getBytes(StandardCharsets.UTF_8);
            md.update(raw);
            bytes += raw.length;
            bind(ps, table, row);
            ps.addBatch();
            if ((i + 1) % BATCH == 0) {
              ps.executeBatch();
            }
          }
          ps.executeBatch();
        }
        if (!HexFormat.of().formatHex(md.digest()).equals(t.sha())) {
          throw new SyncFailedException(
              SyncReason.VERIFY_FAILED,
              "table " + name + " does not match its checksum in the manifest");
        }
        rows += t.rows();
      }
      if (in.readLine() != null) {
        throw new SyncFailedException(
            SyncReason.VERIFY_FAILED, "more content than the manifest describes");
      }
      c.commit();
    } catch (SQLException e) {
      rollback(c);
      throw new SyncFailedException(
          SyncReason.APPLY_FAILED,
          "sync "
              + job
              + ": failed, the database transaction was rolled back: "
              + e.getMessage()
              + "; "
              + site
              + " is unchanged",
          e);
    } catch (IOException | RuntimeException e) {
      rollback(c);
      if (e instanceof SyncFailedException f) {
        throw new SyncFailedException(
            f.reason(),
            "sync "
                + job
                + ": failed, "
                + f.getMessage()
                + "; the transaction was rolled back, "
                + site
                + " is unchanged",
            f);
      }
      throw e;
    } finally {
      try {
        c.close();
      } catch (SQLException ignored) {
        // gone already
      }
    }
    return new Applied(
        need.size(),
        rows,
        bytes,
        need.size()
            + (need.size() == 1 ? " table" : " tables")
            + " copied ("
            + rows
            + " rows) in one transaction");
  }

  private static void bind(PreparedStatement ps, SqlTables.Table t, String row)
      throws SQLException, IOException {
    String[] f = row.split("\t", -1);
    if (f.length != t.columns().size()) {
      throw new SyncFailedException(
          SyncReason.VERIFY_FAILED,
          "a row of " + t.name() + " has " + f.length + " values, expected " + t.columns().size());
    }
    for (int i = 0; i < f.length; i++) {
      if (f[i].equals("\\N")) {
        ps.setNull(i + 1, t.binary(i) ? Types.BINARY : t.types().get(i));
      } else if (t.binary(i)) {
        ps.setBytes(i + 1, HexFormat.of().parseHex(f[i]));
      } else {
        ps.setString(i + 1, SqlTables.unescape(f[i]));
      }
    }
  }

  /**
   * Lines of the content, each ending in a newline: a last line without one means the content was
   * cut (a partial row is never taken for a row).
   */
  private static final class Lines {
    private final java.io.BufferedInputStream in;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(256);

    Lines(InputStream in) {
      this.in = new java.io.BufferedInputStream(in, 1 << 16);
    }

    String readLine() throws IOException {
      line.reset();
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) {
          if (line.size() == 0) {
            return null;
          }
          throw new SyncFailedException(
              SyncReason.TRANSFER_FAILED,
              "the content ended in the middle of a row (sender stopped or link cut)");
        }
        line.write(c);
      }
      return line.toString(StandardCharsets.UTF_8);
    }
  }

  private static void rollback(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is gone: the server rolled the transaction back when it went
    }
  }
}
