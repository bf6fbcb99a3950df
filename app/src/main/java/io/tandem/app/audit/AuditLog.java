package io.tandem.app.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Append-only, hash-chained audit log: one JSON object per line, forced to disk before {@link
 * #append} returns. Callers write the entry <em>before</em> they act ({@link
 * AuditUnavailableException} means: do not act).
 *
 * <p>Durability: an append that fails part-way (disk full, I/O error) is cut back to the last
 * complete line before the exception is thrown, so the file never ends in half an entry that the
 * next line would be glued to. A file that does end in one (a crash mid-write, or an older version)
 * is repaired when the log is opened: the torn tail is cut off, logged and reported by {@link
 * #repairAtOpen()}. Entries are never rewritten; rotation is left to the operator's log tooling (a
 * rotated file verifies from its first entry, whose {@code prev} is then the anchor).
 *
 * <p>Thread-safe: appends and reads are serialised.
 */
public final class AuditLog implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);

  /** What opening the log found and cut off. */
  public record Repair(long keptBytes, long droppedBytes) {}

  private final Path file;
  private final JsonMapper json;
  private final Optional<Repair> repairAtOpen;
  private FileChannel channel;
  private long size;
  private long seq;
  private String head = AuditChain.GENESIS;

  /** The log's own JSON settings, independent of the web layer's (ISO instants, lenient reads). */
  static final JsonMapper JSON =
      JsonMapper.builder()
          // entries of older versions lack seq/prev/hash; newer ones may add fields
          .disable(tools.jackson.databind.DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  public AuditLog(Path file) {
    this.file = file;
    this.json = JSON;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      this.channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      this.repairAtOpen = repairTornTail();
      this.size = channel.size();
      readHead();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open audit log " + file, e);
    }
    repairAtOpen.ifPresent(
        r ->
            log.warn(
                "audit log {}: cut off a torn last entry ({} bytes, a write that never completed);"
                    + " {} bytes of complete entries kept",
                file,
                r.droppedBytes(),
                r.keptBytes()));
    log.info("audit log {}: {} entries, head {}", file, seq, head);
  }

  /** The torn tail cut off when the log was opened, if there was one. */
  public Optional<Repair> repairAtOpen() {
    return repairAtOpen;
  }

  /**
   * Numbers, chains and appends {@code entry}, forced to disk.
   *
   * @return the entry as written (with its sequence number and hashes)
   * @throws AuditUnavailableException if it cannot be written completely; the file is left as it
   *     was before the call
   */
  public synchronized AuditEntry append(AuditEntry entry) {
    AuditEntry numbered = entry.chained(seq + 1, head, null);
    AuditEntry chained = numbered.chained(seq + 1, head, AuditChain.hash(head, numbered));
    byte[] line = (json.writeValueAsString(chained) + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      ensureOpen();
      ByteBuffer buf = ByteBuffer.wrap(line);
      long at = size;
      while (buf.hasRemaining()) {
        at += channel.write(buf, at);
      }
      channel.force(false);
    } catch (IOException e) {
      cutBack();
      log.error("audit log {}: append failed, entry not written: {}", file, describe(e));
      throw new AuditUnavailableException(
          "the audit log cannot be written (" + describe(e) + ")", e);
    }
    size += line.length;
    seq = chained.seq();
    head = chained.hash();
    return chained;
  }

  /** The newest entries first, at most {@code limit}. Unreadable lines are skipped. */
  public synchronized List<AuditEntry> newest(int limit) {
    List<String> lines = lines();
    List<AuditEntry> out = new ArrayList<>();
    for (int i = lines.size() - 1; i >= 0 && out.size() < limit; i--) {
      parse(lines.get(i)).ifPresent(out::add);
    }
    return Collections.unmodifiableList(out);
  }

  /** Checks the whole chain now. */
  public synchronized AuditVerification verify() {
    return AuditVerification.of(file.toString(), lines(), false, json);
  }

  /**
   * Checks the chain of the log in {@code file} without changing it (another process may be
   * appending to it).
   *
   * @throws UncheckedIOException if it cannot be read
   */
  public static AuditVerification verify(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      boolean torn = !text.isEmpty() && !text.endsWith("\n");
      List<String> lines = new ArrayList<>();
      String[] split = text.split("\n");
      for (int i = 0; i < split.length - (torn ? 1 : 0); i++) {
        if (!split[i].isBlank()) {
          lines.add(split[i]);
        }
      }
      return AuditVerification.of(file.toString(), lines, torn, JSON);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read audit log " + file, e);
    }
  }

  public Path file() {
    return file;
  }

  @Override
  public synchronized void close() {
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      log.debug("audit log {}: close failed: {}", file, e.toString());
    }
  }

  // ---- internals ----

  /** Cuts a partial last line off; the caller holds the channel. */
  private Optional<Repair> repairTornTail() throws IOException {
    long length = channel.size();
    if (length == 0) {
      return Optional.empty();
    }
    long keep = length;
    ByteBuffer one = ByteBuffer.allocate(8192);
    // scan backwards for the last newline
    long pos = length;
    outer:
    while (pos > 0) {
      int n = (int) Math.min(one.capacity(), pos);
      one.clear().limit(n);
      channel.read(one, pos - n);
      for (int i = n - 1; i >= 0; i--) {
        if (one.get(i) == '\n') {
          keep = pos - n + i + 1;
          break outer;
        }
      }
      pos -= n;
      keep = 0;
    }
    if (keep == length) {
      return Optional.empty();
    }
    channel.truncate(keep);
    channel.force(true);
    return Optional.of(new Repair(keep, length - keep));
  }

  private void readHead() {
    List<String> lines = lines();
    for (int i = lines.size() - 1; i >= 0; i--) {
      Optional<AuditEntry> e = parse(lines.get(i));
      if (e.isPresent() && e.get().hash() != null) {
        seq = e.get().seq();
        head = e.get().hash();
        return;
      }
    }
  }

  private void ensureOpen() throws IOException {
    if (channel == null || !channel.isOpen()) {
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
    if (channel.size() != size) {
      // a previous cut-back failed: try again before writing after it
      channel.truncate(size);
    }
  }

  /** After a failed append: back to the last complete line, or closed to retry later. */
  private void cutBack() {
    try {
      channel.truncate(size);
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      log.error("audit log {}: could not cut a failed append back to {} bytes: {}", file, size, e);
      try {
        channel.close();
      } catch (IOException ignored) {
        // reopened and cut back at the next append
      }
    }
  }

  private List<String> lines() {
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      byte[] bytes;
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        long n = Math.min(ch.size(), size);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(n, Integer.MAX_VALUE - 8));
        while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
          // read until full
        }
        bytes = buf.array();
      }
      String text = new String(bytes, StandardCharsets.UTF_8);
      List<String> out = new ArrayList<>();
      for (String l : text.split("\n")) {
        if (!l.isBlank()) {
          out.add(l);
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read audit log " + file, e);
    }
  }

  private Optional<AuditEntry> parse(String line) {
    try {
      return Optional.of(json.readValue(line, AuditEntry.class));
    } catch (RuntimeException unreadable) {
      return Optional.empty();
    }
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
