package io.tandem.sim.peer.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories for peers: created per peer start, deleted when the peer stops. */
public final class TempDirs {

  private TempDirs() {}

  public static Path create(String peer) {
    try {
      return Files.createTempDirectory("tandem-" + peer + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for " + peer, e);
    }
  }

  /** Deletes the tree, best effort (a peer may still be writing while it dies). */
  public static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(TempDirs::deleteQuietly);
    } catch (IOException | UncheckedIOException e) {
      // best effort: the OS cleans /tmp eventually
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // best effort
    }
  }
}
