package io.tandem.core.witness;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.TransientException;
import java.io.IOException;
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

  private static String format(PersistedTicket t) {
    return "cluster="
        + escape(t.cluster())
        + "\nholder="
        + (t.holder() == null ? "" : escape(t.holder()))
        + "\nepoch="
        + t.epoch()
        + "\nexpiry="
        + t.expiry()
        + "\nttl="
        + t.ttl()
        + "\n";
  }

  private static String escape(String s) {
    // Properties format: escape the characters it treats specially.
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("=", "\\=").replace(":", "\\:");
  }

  private static PersistedTicket read(Path file) throws IOException {
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    }
    try {
      String holder = p.getProperty("holder", "");
      return new PersistedTicket(
          p.getProperty("cluster"),
          holder.isEmpty() ? null : holder,
          Long.parseLong(p.getProperty("epoch")),
          Instant.parse(p.getProperty("expiry")),
          Duration.parse(p.getProperty("ttl")));
    } catch (RuntimeException e) {
      throw new IOException("corrupt witness state file " + file + ": " + e.getMessage(), e);
    }
  }
}
