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
import tools.jackson.databind.json.JsonMapper;

/**
 * Append-only audit log: one JSON object per line, forced to disk before {@link #append} returns.
 *
 * <p>Thread-safe (appends are serialised). A torn last line (crash mid-write) is skipped on read.
 * Entries are never rewritten; rotation is left to the operator's log tooling.
 */
public final class AuditLog {

  private final Path file;
  private final JsonMapper json;

  public AuditLog(Path file, JsonMapper json) {
    this.file = file;
    this.json = json;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create audit directory for " + file, e);
    }
  }

  public synchronized void append(AuditEntry entry) {
    byte[] line = (json.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to audit log " + file, e);
    }
  }

  /** The newest entries first, at most {@code limit}. */
  public synchronized List<AuditEntry> newest(int limit) {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read audit log " + file, e);
    }
    List<AuditEntry> out = new ArrayList<>();
    for (int i = lines.size() - 1; i >= 0 && out.size() < limit; i--) {
      String l = lines.get(i);
      if (l.isBlank()) {
        continue;
      }
      try {
        out.add(json.readValue(l, AuditEntry.class));
      } catch (RuntimeException torn) {
        // a crash mid-append leaves a partial last line; it never held a complete entry
      }
    }
    return Collections.unmodifiableList(out);
  }

  public Path file() {
    return file;
  }
}
