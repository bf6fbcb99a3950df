package io.tandem.onprem.sync;

import io.tandem.core.config.SyncSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The rows of an {@code astdb} job and their manifest. A row is a full AstDB key {@code
 * /family/key} (the key part may hold further slashes) and its value. Which rows AMI can write back
 * exactly is decided by Asterisk's parser (main/manager.c): {@code get_input} keeps at most 1022
 * bytes of a line before its CRLF and ends a line at CR LF or LF; {@code __astman_get_header} skips
 * the bytes below 33 at the start of a value ({@code ast_skip_blanks}); {@code manager_dbput} and
 * {@code manager_dbdel} refuse an empty family or key. Stateless.
 *
 * <p>Manifest: a header line, then one line per row: SHA-256 of the value's UTF-8 bytes, their
 * length, the percent-encoded key. Content: per row asked for, {@code <key>\t<length>\n} and the
 * value's bytes (the framing of the files kind).
 */
final class AstDbRows {

  static final String HEADER = "tandem-astdb-manifest 1";

  /** The most bytes a line of an action may have before its CRLF (main/manager.c get_input). */
  static final int MAX_LINE_BYTES = 1022;

  /** Most rows a job may hold (the receiver keeps their hashes in memory while it plans). */
  static final int MAX_ROWS = 1_000_000;

  /** One row's place: family and key as {@code DBPut} takes them. */
  record Place(String family, String key) {}

  /** One row of a manifest. */
  record Described(String sha256, int length) {}

  private AstDbRows() {}

  /** The family and key of {@code fullKey}, or empty when it is not {@code /family/key}. */
  static Optional<Place> place(String fullKey) {
    if (!fullKey.startsWith("/")) {
      return Optional.empty();
    }
    int slash = fullKey.indexOf('/', 1);
    if (slash < 0) {
      return Optional.empty();
    }
    return Optional.of(new Place(fullKey.substring(1, slash), fullKey.substring(slash + 1)));
  }

  /** The rows of {@code all} that {@code source} selects (by exact family). */
  static SortedMap<String, String> select(Map<String, String> all, SyncSource.AstDb source) {
    SortedMap<String, String> out = new TreeMap<>();
    all.forEach(
        (k, v) -> {
          if (place(k).map(p -> source.selects(p.family())).orElse(false)) {
            out.put(k, v);
          }
        });
    return out;
  }

  /**
   * Why {@code DBPut} could not write this row exactly as it is, or empty when it can: the family,
   * key and value must each fit on one line of at most {@value #MAX_LINE_BYTES} bytes with their
   * header name, hold no line break, and not start with a blank or control character.
   */
  static Optional<String> unwritable(String fullKey, String value) {
    Optional<Place> p = place(fullKey);
    if (p.isEmpty() || p.get().family().isEmpty() || p.get().key().isEmpty()) {
      return Optional.of("not a /family/key name (DBPut needs both)");
    }
    return part("family", "Family: ", p.get().family())
        .or(() -> part("key", "Key: ", p.get().key()))
        .or(() -> value.isEmpty() ? Optional.empty() : part("value", "Val: ", value));
  }

  private static Optional<String> part(String what, String header, String text) {
    if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
      return Optional.of("its " + what + " holds a line break, which ends an AMI header line");
    }
    if (text.charAt(0) < 33) {
      return Optional.of(
          "its "
              + what
              + " starts with a blank or control character, which Asterisk drops from a header"
              + " value (ast_skip_blanks)");
    }
    int bytes = (header + text).getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_LINE_BYTES) {
      return Optional.of(
          "its "
              + what
              + " makes a "
              + bytes
              + "-byte AMI line; Asterisk reads at most "
              + MAX_LINE_BYTES
              + " (main/manager.c get_input)");
    }
    return Optional.empty();
  }

  static String sha256(String value) {
    return java.util.HexFormat.of()
        .formatHex(TreeScanner.digest().digest(value.getBytes(StandardCharsets.UTF_8)));
  }

  static void writeManifest(Writer w, SortedMap<String, String> rows) throws IOException {
    w.write(HEADER + "\n");
    for (Map.Entry<String, String> e : rows.entrySet()) {
      w.write(sha256(e.getValue()));
      w.write('\t');
      w.write(Integer.toString(e.getValue().getBytes(StandardCharsets.UTF_8).length));
      w.write('\t');
      w.write(ManifestCodec.encode(e.getKey()));
      w.write('\n');
    }
  }

  /** Reads a manifest: key to its hash and length, at most {@link #MAX_ROWS} rows. */
  static SortedMap<String, Described> readManifest(BufferedReader r) throws IOException {
    String header = r.readLine();
    if (!HEADER.equals(header)) {
      throw new IOException(
          "not a tandem astdb manifest (header "
              + ManifestCodec.abbreviate(String.valueOf(header))
              + ")");
    }
    SortedMap<String, Described> out = new TreeMap<>();
    String line;
    while ((line = r.readLine()) != null && !line.isEmpty()) {
      String[] f = line.split("\t", -1);
      if (f.length != 3 || !f[0].matches("[0-9a-f]{64}")) {
        throw new IOException("malformed manifest line: " + ManifestCodec.abbreviate(line));
      }
      try {
        out.put(ManifestCodec.decode(f[2]), new Described(f[0], Integer.parseInt(f[1])));
      } catch (NumberFormatException e) {
        throw new IOException("malformed manifest line: " + ManifestCodec.abbreviate(line));
      }
      if (out.size() > MAX_ROWS) {
        throw new IOException("the manifest lists more than " + MAX_ROWS + " rows");
      }
    }
    return out;
  }
}
