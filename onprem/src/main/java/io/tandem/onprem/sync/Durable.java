package io.tandem.onprem.sync;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** fsync of files and directories (a rename is durable only once its directory is synced). */
final class Durable {

  private Durable() {}

  /** Forces {@code file}'s content and metadata to disk. */
  static void force(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /** Forces {@code dir}'s entries (names created, renamed or removed in it) to disk. */
  static void forceDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
