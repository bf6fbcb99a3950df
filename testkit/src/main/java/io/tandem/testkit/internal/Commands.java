package io.tandem.testkit.internal;

import io.tandem.sim.peer.PeerStartException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a peer's set-up command (install a data directory, create a user) to completion. */
final class Commands {

  private Commands() {}

  /**
   * Runs {@code command} in {@code dir}, its output appended to {@code log}.
   *
   * @throws PeerStartException with the output when it fails or does not finish in time
   */
  static void run(String what, List<String> command, Path dir, Path log, Duration timeout) {
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      p.getOutputStream().close();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new PeerStartException(
            what + " did not finish within " + timeout + "\n" + tail(log), null);
      }
      if (p.exitValue() != 0) {
        throw new PeerStartException(
            what + " exited " + p.exitValue() + ": " + command + "\n" + tail(log), null);
      }
    } catch (IOException e) {
      throw new PeerStartException(what + " could not run: " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PeerStartException(what + " interrupted", e);
    }
  }

  /** Whether {@code command} exits 0 within {@code timeout} (a readiness probe). */
  static boolean succeeds(List<String> command, Path dir, Duration timeout) {
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      p.getOutputStream().close();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
