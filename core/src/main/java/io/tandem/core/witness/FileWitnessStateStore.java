package io.tandem.core.witness;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.TransientException;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.zip.CRC32C;

/**
 * Witness state in a directory, one small file per cluster ({@code <base64url(cluster)>.ticket}). A
 * save writes a temp file, fsyncs it, renames it atomically over the old one and fsyncs the
 * directory, so after a crash each cluster's file is either the old or the new record, never a torn
 * one. Plain java.nio: no library does this four-step dance for us in a way we can audit.
 *
 * <p>Thread-safe: different clusters use different files and temp names; the witness serialises
 * saves per cluster.
 */
public final class FileWitnessStateStore implements WitnessStateStore {

  private static final String SUFFIX = ".ticket";
  private static final String CHECKSUM = "crc32c=";
  private final Path dir;

  public FileWitnessStateStore(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new ConfigException("witness state directory " + dir + ": cannot create (" + e + ")");
    }
  }

  @Override
  public Map<String, PersistedTicket> loadAll() {
    Map<String, PersistedTicket> all = new HashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path file : files) {
        PersistedTicket t = read(file);
        if (!file.getFileName().toString().equals(fileName(t.cluster()))) {
          throw damaged(file, "it records another cluster than its name says");
        }
        all.put(t.cluster(), t);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read witness state in " + dir, e);
    }
    return all;
  }

  @Override
  public void save(PersistedTicket ticket) {
    String name = fileName(ticket.cluster());
    Path target = dir.resolve(name);
    Path temp = dir.resolve(name + ".tmp-" + Thread.currentThread().threadId());
    byte[] bytes = format(ticket).getBytes(StandardCharsets.UTF_8);
    try {
      try (FileChannel ch =
          FileChannel.open(
              temp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new ConfigException(
            "witness state directory " + dir + ": the file system cannot rename atomically");
      }
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      }
    } catch (IOException e) {
      throw new TransientException(
          "could not persist witness state for cluster " + ticket.cluster() + ": " + e, e);
    }
  }

  static String fileName(String cluster) {
    return Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(cluster.getBytes(StandardCharsets.UTF_8))
        + SUFFIX;
  }

  /** The record as written: its fields, then a CRC-32C of every byte before the checksum line. */
  static String format(PersistedTicket t) {
    String body =
        "cluster="
            + escape(t.cluster())
            + "\nholder="
            + (t.holder() == null ? "" : escape(t.holder()))
            + "\nepoch="
            + t.epoch()
            + "\nholderEpoch="
            + t.holderEpoch()
            + "\nexpiry="
            + t.expiry()
            + "\nttl="
            + t.ttl()
            + "\n";
    return body + CHECKSUM + crc(body.getBytes(StandardCharsets.UTF_8)) + "\n";
  }

  private static String crc(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return String.format("%08x", crc.getValue());
  }

  private static String escape(String s) {
    // Properties format: escape the characters it treats specially.
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("=", "\\=").replace(":", "\\:");
  }

  /**
   * Reads and verifies one record.
   *
   * @throws ConfigException naming the file and the cause when it is damaged: a wrong or missing
   *     checksum (edited, truncated, bit rot), or a field that does not parse
   */
  static PersistedTicket read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw damaged(file, "cannot read it (" + e.getMessage() + ")");
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    int at = text.lastIndexOf("\n" + CHECKSUM);
    if (at < 0 || !text.endsWith("\n")) {
      throw damaged(file, "no checksum line (truncated, or written by hand)");
    }
    String body = text.substring(0, at + 1);
    String recorded = text.substring(at + 1 + CHECKSUM.length(), text.length() - 1);
    String actual = crc(body.getBytes(StandardCharsets.UTF_8));
    if (!actual.equals(recorded)) {
      throw damaged(
          file,
          "checksum mismatch (recorded "
              + printable(recorded)
              + ", content gives "
              + actual
              + "): the file was edited or corrupted");
    }
    Properties p = new Properties();
    try {
      p.load(new StringReader(body));
      String holder = p.getProperty("holder", "");
      return new PersistedTicket(
          p.getProperty("cluster"),
          holder.isEmpty() ? null : holder,
          Long.parseLong(p.getProperty("epoch")),
          Instant.parse(p.getProperty("expiry")),
          Duration.parse(p.getProperty("ttl")),
          Long.parseLong(p.getProperty("holderEpoch")));
    } catch (IOException | RuntimeException e) {
      throw damaged(file, "a field does not parse (" + e.getMessage() + ")");
    }
  }

  private static String printable(String s) {
    String cut = s.length() > 16 ? s.substring(0, 16) + "..." : s;
    return cut.codePoints()
        .mapToObj(c -> c >= 0x20 && c < 0x7f ? Character.toString(c) : "?")
        .collect(java.util.stream.Collectors.joining());
  }

  private static ConfigException damaged(Path file, String cause) {
    return new ConfigException(
        "witness state file "
            + file
            + " is damaged: "
            + cause
            + ". The witness does not start on damaged state, because it could issue an epoch"
            + " twice: restore the file from a backup (see docs/witness-protocol.md, \"Damaged"
            + " state\").");
  }
}
