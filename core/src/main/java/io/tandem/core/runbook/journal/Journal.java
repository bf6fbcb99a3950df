package io.tandem.core.runbook.journal;

import io.tandem.core.error.TransientException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Durable, append-only journal of one run: one line per record, {@code <crc32c as 8 hex digits>
 * <space> <record as JSON> <newline>}. JSON lines keep the file readable with {@code cut -c10- |
 * jq}; the checksum catches torn or damaged writes.
 *
 * <p>{@link #append} returns only after the record is on disk ({@code FileChannel.force}), so a
 * record always precedes the action it announces. On {@link #open}, a last line that is cut short
 * or fails its checksum (a crash during the write) is truncated away with a warning; a bad line
 * followed by more lines is corruption and raises {@link JournalCorruptException}.
 *
 * <p>Writes go through a {@link RandomAccessFile}, not a {@link FileChannel}: a channel is closed
 * for good when the writing thread is interrupted, and the engine interrupts step threads
 * (timeouts, a self-fence cancelling running steps) that still have a result to journal.
 *
 * <p>Thread-safe: appends are serialised. Hand-written because no library in our stack offers a
 * small fsync-per-record log with torn-tail recovery.
 */
public final class Journal implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Journal.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Path file;
  private final Clock clock;
  private final RandomAccessFile out;
  private final List<JournalRecord> records;
  private final Optional<String> recoveryWarning;

  private Journal(
      Path file, Clock clock, RandomAccessFile out, List<JournalRecord> records, String warning) {
    this.file = file;
    this.clock = clock;
    this.out = out;
    this.records = records;
    this.recoveryWarning = Optional.ofNullable(warning);
  }

  /** Creates a new, empty journal; fails if the file exists. */
  public static Journal create(Path file, Clock clock) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (FileChannel ch =
          FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      syncDirectory(file.toAbsolutePath().getParent());
      return new Journal(
          file, clock, new RandomAccessFile(file.toFile(), "rw"), new ArrayList<>(), null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create journal " + file, e);
    }
  }

  /**
   * Opens an existing journal, reading every record. A torn or damaged last record is truncated
   * away (see {@link #recoveryWarning()}).
   *
   * @throws JournalCorruptException if a record other than the last is damaged
   */
  public static Journal open(Path file, Clock clock) {
    try {
      Scan scan = scan(file);
      RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
      try {
        if (scan.warning() != null) {
          log.warn(
              "journal {}: {}; truncating it away (a crash interrupted the write)",
              file,
              scan.warning());
          raf.setLength(scan.goodLength());
          raf.getFD().sync();
        }
        raf.seek(scan.goodLength());
      } catch (IOException e) {
        raf.close();
        throw e;
      }
      return new Journal(file, clock, raf, scan.records(), scan.warning());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open journal " + file, e);
    }
  }

  /**
   * Reads the records of a journal without changing the file (a torn last record is ignored). Safe
   * while another thread appends.
   *
   * @throws JournalCorruptException if a record other than the last is damaged
   */
  public static List<JournalRecord> read(Path file) {
    try {
      return List.copyOf(scan(file).records());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read journal " + file, e);
    }
  }

  private record Scan(List<JournalRecord> records, int goodLength, String warning) {}

  private static Scan scan(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    List<JournalRecord> records = new ArrayList<>();
    int pos = 0;
    int line = 0;
    while (pos < bytes.length) {
      line++;
      int nl = indexOf(bytes, (byte) '\n', pos);
      if (nl < 0) {
        return new Scan(
            records, pos, "last record (line " + line + ", byte " + pos + ") is cut short");
      }
      String text = new String(bytes, pos, nl - pos, StandardCharsets.UTF_8);
      try {
        records.add(parse(text, records.size() + 1L));
      } catch (IllegalArgumentException | JacksonException e) {
        if (nl + 1 < bytes.length) {
          throw new JournalCorruptException(file, line, pos, e.getMessage());
        }
        return new Scan(
            records,
            pos,
            "last record (line " + line + ", byte " + pos + ") is damaged: " + e.getMessage());
      }
      pos = nl + 1;
    }
    return new Scan(records, pos, null);
  }

  /**
   * Appends a record and forces it to disk before returning.
   *
   * @throws TransientException if the disk write fails (the announced action must not happen)
   */
  public synchronized JournalRecord append(RecordType type, String step, Map<String, String> f) {
    JournalRecord rec = new JournalRecord(records.size() + 1L, type, clock.instant(), step, f);
    byte[] json = JSON.writeValueAsBytes(rec);
    CRC32C crc = new CRC32C();
    crc.update(json);
    String prefix = HexFormat.of().toHexDigits((int) crc.getValue()) + " ";
    byte[] line = new byte[prefix.length() + json.length + 1];
    System.arraycopy(prefix.getBytes(StandardCharsets.US_ASCII), 0, line, 0, prefix.length());
    System.arraycopy(json, 0, line, prefix.length(), json.length);
    line[line.length - 1] = '\n';
    long before = -1;
    try {
      before = out.getFilePointer();
      out.write(line);
      out.getFD().sync();
    } catch (IOException e) {
      // a partial line (disk full) must not stay in front of the next record
      if (before >= 0) {
        try {
          out.setLength(before);
          out.seek(before);
        } catch (IOException ignored) {
          // the next open truncates a damaged tail away
        }
      }
      throw new TransientException("cannot write journal " + file + ": " + e.getMessage(), e);
    }
    records.add(rec);
    return rec;
  }

  /** Every record so far, oldest first (a snapshot). */
  public synchronized List<JournalRecord> records() {
    return List.copyOf(records);
  }

  /** Set when {@link #open} had to truncate a torn or damaged last record. */
  public Optional<String> recoveryWarning() {
    return recoveryWarning;
  }

  public Path file() {
    return file;
  }

  @Override
  public synchronized void close() {
    try {
      out.close();
    } catch (IOException e) {
      log.warn("closing journal {} failed: {}", file, e.getMessage());
    }
  }

  private static JournalRecord parse(String line, long expectedSeq) {
    if (line.length() < 10 || line.charAt(8) != ' ') {
      throw new IllegalArgumentException("no checksum prefix");
    }
    byte[] json = line.substring(9).getBytes(StandardCharsets.UTF_8);
    CRC32C crc = new CRC32C();
    crc.update(json);
    int expected = HexFormat.fromHexDigits(line, 0, 8);
    if ((int) crc.getValue() != expected) {
      throw new IllegalArgumentException("checksum mismatch");
    }
    JournalRecord rec = JSON.readValue(json, JournalRecord.class);
    if (rec.seq() != expectedSeq) {
      throw new IllegalArgumentException("sequence " + rec.seq() + ", expected " + expectedSeq);
    }
    return rec;
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static void syncDirectory(Path dir) {
    // Makes the new file's directory entry durable; best effort (not every platform allows it).
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      log.debug("cannot fsync directory {}: {}", dir, e.getMessage());
    }
  }
}
