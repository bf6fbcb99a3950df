package io.tandem.app.witness;

import io.tandem.core.config.SecretRef;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the witness took from each valid cluster file at its last start, so that a restart reads an
 * unchanged file without parsing and validating it again (issue 17.4: a witness serving 10,000
 * clusters spent 80 % of a 14 s start, idle host, in the cluster files' YAML and validation).
 *
 * <p>An entry is used only for the same file (absolute path) with the same bytes (SHA-256), and the
 * whole cache only by the same code that validated the files: its stamp names the class path's jars
 * with their size and modification time, as {@code tandem-aot}'s stamp does, so an upgrade parses
 * every file again. The same idea as Python's hash-based {@code .pyc} files (PEP 552) and ccache: a
 * derived result keyed by a hash of its input. Only files that loaded without any problem are kept,
 * so every problem is still found and reported at every start.
 *
 * <p>Holds no secret: only the references ({@code ${env:...}}, {@code ${file:...}}); secrets are
 * resolved at every start, so a rotated secret file takes effect on the next start as before.
 *
 * <p>Written whole to a temporary file renamed over the old one, never fsynced: it is a cache. One
 * torn or lost in a crash does not parse, or has another stamp, and is ignored; every file is then
 * parsed as on a first start. Thread-safe (immutable, the file is written by {@link #write} only).
 */
final class WitnessConfigCache {

  private static final Logger log = LoggerFactory.getLogger(WitnessConfigCache.class);
  static final String FILE = "cluster-files.json";
  private static final String FORMAT = "tandem-witness-cluster-files v1";

  private final Path dir;
  private final String code;

  /**
   * @param dir the cache directory (created when written)
   * @param code the stamp of the code that validates the files ({@link #codeStamp})
   */
  WitnessConfigCache(Path dir, String code) {
    this.dir = Objects.requireNonNull(dir, "dir");
    this.code = Objects.requireNonNull(code, "code");
  }

  /** A site as the witness needs it: its name, its secret's reference, its probe targets. */
  record Site(String name, SecretRef secret, List<WitnessServerConfig.ProbeTarget> probes) {
    Site {
      probes = List.copyOf(probes);
    }
  }

  /**
   * The part of one valid cluster file the witness serves.
   *
   * @param file the file's absolute path
   * @param sha256 of the file's bytes, hex
   * @param cluster the cluster's name
   * @param sites its sites, in the file's order
   * @param ttlMs {@code timings.ticketTtl}
   * @param graceMs {@code timings.witnessGrace}
   * @param listen {@code witness.listen}, or null
   * @param dataDir {@code witness.dataDir} as written, or null
   */
  record Entry(
      String file,
      String sha256,
      String cluster,
      List<Site> sites,
      long ttlMs,
      long graceMs,
      String listen,
      String dataDir) {
    Entry {
      sites = List.copyOf(sites);
    }
  }

  /** The file's contents: format, code stamp, entries. */
  record Contents(String format, String code, List<Entry> entries) {}

  /** The entries by file, or none when there is no cache, it is damaged or from other code. */
  Map<String, Entry> read() {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Map.of();
    }
    try {
      Contents c = JsonMapper.shared().readValue(file.toFile(), Contents.class);
      if (c == null || !FORMAT.equals(c.format()) || !code.equals(c.code())) {
        log.info("witness: cluster file cache {} is from other code; every file is read", file);
        return Map.of();
      }
      Map<String, Entry> byFile = new LinkedHashMap<>();
      for (Entry e : c.entries()) {
        byFile.put(e.file(), e);
      }
      return byFile;
    } catch (JacksonException | NullPointerException | IllegalArgumentException e) {
      log.warn("witness: cluster file cache {} is damaged, every file is read ({})", file, e);
      return Map.of();
    }
  }

  /** Replaces the cache with {@code entries}; a failure is logged, never thrown. */
  void write(Collection<Entry> entries) {
    Path temp = dir.resolve(FILE + ".tmp");
    try {
      Files.createDirectories(dir);
      JsonMapper.shared()
          .writeValue(temp.toFile(), new Contents(FORMAT, code, List.copyOf(entries)));
      Files.move(temp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | JacksonException e) {
      log.warn("witness: cannot write the cluster file cache in {} ({})", dir, e.toString());
    }
  }

  /** The hex SHA-256 of {@code bytes}. */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  /**
   * The running code's stamp: each class path entry's path, and for a file (the installed jar) its
   * size and modification time. A directory (a development build) is named only.
   */
  static String codeStamp() {
    StringBuilder b = new StringBuilder();
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      b.append(entry);
      try {
        BasicFileAttributes a = Files.readAttributes(Path.of(entry), BasicFileAttributes.class);
        if (a.isRegularFile()) {
          b.append(' ').append(a.size()).append(' ').append(a.lastModifiedTime().toMillis());
        }
      } catch (IOException | RuntimeException e) {
        b.append(" ?");
      }
      b.append('\n');
    }
    return sha256(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
