package io.tandem.core.sync;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The newest ticket epoch this site has seen — held itself, observed at the witness or accepted
 * from a sender — kept on disk so a restart does not forget it. A receiver refuses data that speaks
 * for an older epoch. Only grows. Thread-safe.
 */
public final class EpochFloor {

  private final Path file;
  private long floor;

  /** Opens (or starts) the floor kept in {@code file}. */
  public EpochFloor(Path file) {
    this.file = file;
    long read = 0;
    try {
      if (Files.exists(file)) {
        read = Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip());
      }
    } catch (IOException | NumberFormatException e) {
      // a damaged floor is not trusted as a number: start from 0 and let the next observation
      // (the witness's epoch, our own ticket) raise it again before anything is accepted
      read = 0;
    }
    this.floor = read;
  }

  public synchronized long get() {
    return floor;
  }

  /** Raises the floor to {@code epoch} if it is newer; written to disk before returning. */
  public synchronized void raise(long epoch) {
    if (epoch <= floor) {
      return;
    }
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        ch.write(java.nio.ByteBuffer.wrap((epoch + "\n").getBytes(StandardCharsets.US_ASCII)));
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record epoch floor in " + file, e);
    }
    floor = epoch;
  }
}
