package io.tandem.app.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;

/**
 * The lab's PBX configuration trees and what it shows of health-gated sync: an operator edits the
 * dialplan on the active site, and the change appears on the standby (sent by the production sync
 * service over the peer link) before anything fails.
 */
final class LabSync {

  private static final Duration ARRIVAL = Duration.ofSeconds(30);

  /** What the cluster file's sync job reloads on the receiver (Asterisk's dialplan module). */
  static final String RELOADED_MODULE = "pbx_config.so";

  private LabSync() {}

  /**
   * Creates a site's configuration directory with the dialplan both PBXs were installed with (sync
   * keeps them equal from then on).
   */
  static void seed(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.writeString(
          dir.resolve("extensions.conf"),
          "; the lab's dialplan: edited on the active site, synced to the standby\n"
              + "[from-carrier]\nexten => 100,1,Answer()\n same => n,Playback(hello-world)\n",
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  /**
   * Adds a line to the active site's dialplan and waits until the standby's copy holds it and its
   * PBX reloaded the dialplan.
   *
   * @return whether both happened within 30 s
   */
  static boolean showDialplanChange(LabSite active, LabSite standby, PrintStream out, long n) {
    String line = " same => n,Playback(lab-change-" + n + ")";
    Path file = active.pbxConfig.resolve("extensions.conf");
    Path copy = standby.pbxConfig.resolve("extensions.conf");
    long start = System.nanoTime();
    long reloadsBefore = reloads(standby);
    try {
      Files.writeString(
          file,
          line + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot edit " + file, e);
    }
    out.printf(
        Locale.ROOT, "sync: operator adds '%s' to the dialplan on %s%n", line.strip(), active.name);
    boolean arrived =
        LabOutside.waitFor(
            ARRIVAL,
            () ->
                contains(copy, line) && standby.model.reloadedModules().contains(RELOADED_MODULE));
    out.printf(
        Locale.ROOT,
        "sync: %s%n",
        arrived
            ? String.format(
                Locale.ROOT,
                "on %s after %.2f s (sent by %s's sync service over the peer link; %s reloaded)",
                standby.name,
                (System.nanoTime() - start) / 1e9,
                active.name,
                RELOADED_MODULE)
            : "the change did NOT reach " + standby.name + " within " + ARRIVAL.toSeconds() + " s");
    return arrived;
  }

  private static long reloads(LabSite site) {
    return site.model.reloadedModules().stream().filter(RELOADED_MODULE::equals).count();
  }

  private static boolean contains(Path file, String line) {
    try {
      return Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).contains(line);
    } catch (IOException e) {
      return false; // being swapped in by the receiver; read again on the next poll
    }
  }
}
