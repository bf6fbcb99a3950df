package io.tandem.onprem.sync;

import io.tandem.core.config.SqlEngine;
import io.tandem.core.config.SyncSource;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

/**
 * What both sides of an {@code sql} job share: connecting to the site's own database (UTC session,
 * timeouts), describing a table (columns, key order), and the canonical row encoding whose SHA-256
 * both sides compute: one line per row in key order, each value percent-encoded ({@code \N} for
 * NULL, binary columns as hex), so equal tables give equal hashes and any change in a received row
 * is caught before the transaction commits.
 */
final class SqlTables {

  private SqlTables() {}

  /** A table's columns and the order rows are read in. */
  record Table(String name, List<String> columns, List<Integer> types, List<String> order) {

    /** The columns as name:type, for comparing the two sides' schemas. */
    String signature() {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < columns.size(); i++) {
        out.add(columns.get(i).toLowerCase(java.util.Locale.ROOT) + ":" + family(types.get(i)));
      }
      return String.join(",", out);
    }

    String select() {
      return "SELECT "
          + String.join(", ", columns)
          + " FROM "
          + name
          + " ORDER BY "
          + String.join(", ", order);
    }

    String insert() {
      return "INSERT INTO "
          + name
          + " ("
          + String.join(", ", columns)
          + ") VALUES ("
          + String.join(", ", java.util.Collections.nCopies(columns.size(), "?"))
          + ")";
    }

    boolean binary(int i) {
      return family(types.get(i)).equals("binary");
    }
  }

  /** Opens a connection to {@code site}'s database for {@code source}. */
  static Connection connect(SyncSource.Sql source, String site, String password, Duration timeout)
      throws SQLException {
    String url =
        "jdbc:"
            + source.engine().configName()
            + "://"
            + source.endpointOf(site)
            + "/"
            + source.databaseOf(site);
    Properties p = new Properties();
    p.setProperty("user", source.user());
    p.setProperty("password", password);
    if (source.engine() == SqlEngine.POSTGRESQL) {
      p.setProperty("connectTimeout", "5");
      p.setProperty("socketTimeout", Long.toString(Math.max(1, timeout.toSeconds())));
      p.setProperty("stringtype", "unspecified"); // text values go to typed columns as literals
      p.setProperty("ApplicationName", "tandem-sync");
    } else {
      p.setProperty("connectTimeout", "5000");
      p.setProperty("socketTimeout", Long.toString(timeout.toMillis()));
    }
    Connection c = DriverManager.getConnection(url, p);
    try (Statement s = c.createStatement()) {
      s.execute(
          source.engine() == SqlEngine.POSTGRESQL
              ? "SET TIME ZONE 'UTC'"
              : "SET time_zone = '+00:00'");
    }
    return c;
  }

  /** Reads a table's description (must exist on this side). */
  static Table describe(Connection c, String name) throws SQLException {
    List<String> columns = new ArrayList<>();
    List<Integer> types = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM " + name + " WHERE 1 = 0")) {
      ResultSetMetaData md = rs.getMetaData();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        columns.add(md.getColumnName(i));
        types.add(md.getColumnType(i));
      }
    }
    String schema = null;
    String table = name;
    if (name.contains(".")) {
      schema = name.substring(0, name.indexOf('.'));
      table = name.substring(name.indexOf('.') + 1);
    }
    List<String> key = new ArrayList<>();
    DatabaseMetaData meta = c.getMetaData();
    for (String candidate : new String[] {table, table.toLowerCase(java.util.Locale.ROOT)}) {
      try (ResultSet pk = meta.getPrimaryKeys(c.getCatalog(), schema, candidate)) {
        List<String[]> cols = new ArrayList<>();
        while (pk.next()) {
          cols.add(
              new String[] {Integer.toString(pk.getInt("KEY_SEQ")), pk.getString("COLUMN_NAME")});
        }
        cols.sort(java.util.Comparator.comparingInt(a -> Integer.parseInt(a[0])));
        cols.forEach(a -> key.add(a[1]));
      }
      if (!key.isEmpty()) {
        break;
      }
    }
    return new Table(name, columns, types, key.isEmpty() ? columns : key);
  }

  /** The SHA-256 and count of a table's rows, read in key order on {@code c}'s transaction. */
  static String[] checksum(Connection c, Table t) throws SQLException {
    MessageDigest md = TreeScanner.digest();
    long rows = 0;
    try (Statement s = c.createStatement()) {
      s.setFetchSize(1000); // streamed: PostgreSQL through a cursor, MariaDB in chunks
      try (ResultSet rs = s.executeQuery(t.select())) {
        while (rs.next()) {
          md.update(encode(rs, t).getBytes(StandardCharsets.UTF_8));
          rows++;
        }
      }
    }
    return new String[] {Long.toString(rows), HexFormat.of().formatHex(md.digest())};
  }

  /** Streams a table's rows (key order, canonical lines) to {@code out}; returns the count. */
  static long write(Connection c, Table t, OutputStream out) throws SQLException, IOException {
    long rows = 0;
    try (Statement s = c.createStatement()) {
      s.setFetchSize(1000); // streamed: PostgreSQL through a cursor, MariaDB in chunks
      try (ResultSet rs = s.executeQuery(t.select())) {
        while (rs.next()) {
          out.write(encode(rs, t).getBytes(StandardCharsets.UTF_8));
          rows++;
        }
      }
    }
    return rows;
  }

  /** One row as its canonical line (ending in a newline). */
  static String encode(ResultSet rs, Table t) throws SQLException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < t.columns().size(); i++) {
      if (i > 0) {
        sb.append('\t');
      }
      String v;
      if (t.binary(i)) {
        byte[] b = rs.getBytes(i + 1);
        v = b == null ? null : HexFormat.of().formatHex(b);
      } else {
        v = rs.getString(i + 1);
      }
      sb.append(v == null ? "\\N" : escape(v));
    }
    return sb.append('\n').toString();
  }

  static String escape(String v) {
    return ManifestCodec.encode(v).replace("\\", "%5C");
  }

  static String unescape(String v) throws IOException {
    return ManifestCodec.decode(v);
  }

  private static String family(int type) {
    return switch (type) {
      case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> "binary";
      case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT -> "int";
      case Types.DECIMAL, Types.NUMERIC, Types.REAL, Types.FLOAT, Types.DOUBLE -> "number";
      case Types.DATE,
          Types.TIME,
          Types.TIMESTAMP,
          Types.TIME_WITH_TIMEZONE,
          Types.TIMESTAMP_WITH_TIMEZONE ->
          "time";
      case Types.BIT, Types.BOOLEAN -> "bool";
      default -> "text";
    };
  }
}
