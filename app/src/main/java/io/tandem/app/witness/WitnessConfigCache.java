package io.tandem.app.witness;

import io.tandem.core.config.SecretRef;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the witness took from each valid cluster file at its last start, so that a restart reads an
 * unchanged file without parsing and validating it again (issue 17.4: a witness serving 10,000
 * clusters spent 80 % of a 14 s start, idle host, in the cluster files' YAML and validation).
 *
 * <p>A file is unchanged, as git's index decides it, when its path, size, modification and change
 * times, inode and device are those recorded ({@code stat} only, the file is not read); a file
 * modified within a second before the previous start could change again within the same clock tick,
 * so for it ("racily clean" in git's words) the SHA-256 of its bytes must match too. The whole
 * cache is used only by the code that validated the files: its stamp names the class path's jars
 * with their size and modification time, as {@code tandem-aot}'s stamp does, so an upgrade parses
 * every file again. Only files that loaded without any problem are kept, so every problem is still
 * found and reported at every start.
 *
 * <p>Holds no secret: only the references ({@code ${env:...}}, {@code ${file:...}}); secrets are
 * resolved at every start, so a rotated secret file takes effect on the next start as before.
 *
 * <p>A binary file ({@link DataOutputStream}) closed by a CRC-32C of everything before it, written
 * whole to a temporary file renamed over the old one, never fsynced: it is a cache. One torn or
 * lost in a crash fails its checksum, or has another stamp, and is ignored; every file is then
 * parsed as on a first start. Hand-written rather than JSON: reading 10,000 entries with Jackson's
 * data binding took over a second of a cold JVM's start. Immutable and thread-safe.
 */
final class WitnessConfigCache {

  private static final Logger log = LoggerFactory.getLogger(WitnessConfigCache.class);
  static final String FILE = "cluster-files.bin";
  private static final int MAGIC = 0x54574346; // "TWCF"
  private static final int VERSION = 1;

  /** A file modified this close before a start is checked by content at the next one. */
  private static final long RACY_NANOS = TimeUnit.SECONDS.toNanos(1);

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

  /**
   * A file's {@code stat}, as git's index records it.
   *
   * @param size bytes
   * @param modified modification time, nanoseconds since the epoch
   * @param changed status change time, nanoseconds since the epoch
   * @param inode the inode number
   * @param device the device number
   */
  record Stat(long size, long modified, long changed, long inode, long device) {

    /** The file's stat, or empty when it cannot be read (the loader then reports why). */
    static Optional<Stat> of(Path file) {
      try {
        Map<String, Object> a =
            Files.readAttributes(file, "unix:size,lastModifiedTime,ctime,ino,dev");
        return Optional.of(
            new Stat(
                (Long) a.get("size"),
                nanos((FileTime) a.get("lastModifiedTime")),
                nanos((FileTime) a.get("ctime")),
                (Long) a.get("ino"),
                (Long) a.get("dev")));
      } catch (IOException | UnsupportedOperationException | ClassCastException e) {
        return Optional.empty();
      }
    }

    private static long nanos(FileTime t) {
      return t.to(TimeUnit.NANOSECONDS);
    }
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
   * @param stat its stat when it was read
   * @param sha256 of its bytes, hex
   * @param cluster the cluster's name
   * @param sites its sites, in the file's order
   * @param ttlMs {@code timings.ticketTtl}
   * @param graceMs {@code timings.witnessGrace}
   * @param listen {@code witness.listen}, or null
   * @param dataDir {@code witness.dataDir} as written, or null
   */
  record Entry(
      String file,
      Stat stat,
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

  /**
   * The entries of the last start, by file.
   *
   * @param startedNanos when that start began reading files (epoch nanoseconds)
   */
  record Contents(long startedNanos, Map<String, Entry> entries) {
    static final Contents EMPTY = new Contents(0, Map.of());

    /**
     * The entry for {@code file} if the file is unchanged since: same stat, and for a file modified
     * just before that start also the same bytes.
     */
    Optional<Entry> unchanged(Path file, String absolute, Optional<Stat> now) {
      Entry e = entries.get(absolute);
      if (e == null || now.isEmpty() || !e.stat().equals(now.get())) {
        return Optional.empty();
      }
      long racy = startedNanos - RACY_NANOS;
      if (e.stat().modified() < racy && e.stat().changed() < racy) {
        return Optional.of(e);
      }
      return sha256(file).filter(e.sha256()::equals).map(s -> e);
    }
  }

  /** The last start's entries, or none when there is no cache, it is damaged or from other code. */
  Contents read() {
    Path file = dir.resolve(FILE);
    byte[] bytes;
    try {
      if (!Files.isRegularFile(file)) {
        return Contents.EMPTY;
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      log.warn("witness: cannot read the cluster file cache {} ({})", file, e.toString());
      return Contents.EMPTY;
    }
    if (bytes.length < Long.BYTES) {
      return damaged(file, "too short");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - Long.BYTES);
    if (crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - Long.BYTES, Long.BYTES).getLong()) {
      return damaged(file, "checksum mismatch");
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readInt() != MAGIC || in.readInt() != VERSION || !in.readUTF().equals(code)) {
        log.info("witness: cluster file cache {} is from other code; every file is read", file);
        return Contents.EMPTY;
      }
      long started = in.readLong();
      int count = in.readInt();
      Map<String, Entry> entries = new HashMap<>(count * 2);
      for (int i = 0; i < count; i++) {
        Entry e = readEntry(in);
        entries.put(e.file(), e);
      }
      return new Contents(started, entries);
    } catch (IOException | RuntimeException e) {
      return damaged(file, e.toString());
    }
  }

  private static Contents damaged(Path file, String why) {
    log.warn("witness: cluster file cache {} is damaged ({}); every file is read", file, why);
    return Contents.EMPTY;
  }

  /**
   * Replaces the cache with {@code entries}; a failure is logged, never thrown.
   *
   * @param startedNanos when this start began reading files (epoch nanoseconds)
   */
  void write(long startedNanos, Collection<Entry> entries) {
    Path temp = dir.resolve(FILE + ".tmp");
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream(entries.size() * 400 + 256);
      DataOutputStream out = new DataOutputStream(buf);
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeUTF(code);
      out.writeLong(startedNanos);
      out.writeInt(entries.size());
      for (Entry e : entries) {
        writeEntry(out, e);
      }
      out.flush();
      CRC32C crc = new CRC32C();
      crc.update(buf.toByteArray());
      out.writeLong(crc.getValue());
      out.flush();
      Files.createDirectories(dir);
      Files.write(temp, buf.toByteArray());
      Files.move(temp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      log.warn("witness: cannot write the cluster file cache in {} ({})", dir, e.toString());
    }
  }

  private static void writeEntry(DataOutputStream out, Entry e) throws IOException {
    out.writeUTF(e.file());
    Stat s = e.stat();
    out.writeLong(s.size());
    out.writeLong(s.modified());
    out.writeLong(s.changed());
    out.writeLong(s.inode());
    out.writeLong(s.device());
    out.writeUTF(e.sha256());
    out.writeUTF(e.cluster());
    out.writeInt(e.sites().size());
    for (Site site : e.sites()) {
      out.writeUTF(site.name());
      out.writeByte(site.secret() == null ? 0 : site.secret().source().ordinal() + 1);
      if (site.secret() != null) {
        out.writeUTF(site.secret().name());
      }
      out.writeInt(site.probes().size());
      for (WitnessServerConfig.ProbeTarget t : site.probes()) {
        out.writeUTF(t.hostPort());
        out.writeUTF(t.transport());
      }
    }
    out.writeLong(e.ttlMs());
    out.writeLong(e.graceMs());
    writeNullable(out, e.listen());
    writeNullable(out, e.dataDir());
  }

  private static Entry readEntry(DataInputStream in) throws IOException {
    String file = in.readUTF();
    Stat stat = new Stat(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong());
    String sha = in.readUTF();
    String cluster = in.readUTF();
    int n = in.readInt();
    List<Site> sites = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      int source = in.readByte();
      SecretRef secret =
          source == 0 ? null : new SecretRef(SecretRef.Source.values()[source - 1], in.readUTF());
      int p = in.readInt();
      List<WitnessServerConfig.ProbeTarget> probes = new ArrayList<>(p);
      for (int j = 0; j < p; j++) {
        probes.add(new WitnessServerConfig.ProbeTarget(in.readUTF(), in.readUTF()));
      }
      sites.add(new Site(name, secret, probes));
    }
    return new Entry(
        file,
        stat,
        sha,
        cluster,
        sites,
        in.readLong(),
        in.readLong(),
        readNullable(in),
        readNullable(in));
  }

  private static void writeNullable(DataOutputStream out, String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  private static String readNullable(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  /** The hex SHA-256 of a file of at most 1 MiB (the loader refuses larger ones), if readable. */
  static Optional<String> sha256(Path file) {
    try {
      if (!Files.isRegularFile(file) || Files.size(file) > 1 << 20) {
        return Optional.empty();
      }
      return Optional.of(sha256(Files.readAllBytes(file)));
    } catch (IOException e) {
      return Optional.empty();
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
    return sha256(b.toString().getBytes(StandardCharsets.UTF_8));
  }
}
