package io.tandem.onprem.sync;

import io.tandem.core.config.SyncSource;
import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncRefusedException;
import io.tandem.core.sync.SyncRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code rsync} transport of a {@code files} job: the ticket holder runs Debian's {@code rsync
 * -a --delete --delay-updates} over SSH to the receiving site's management host, after the same
 * sending-side gate as the peer link, re-checked every 200 ms while rsync runs (rsync is stopped
 * when it closes). {@code --delay-updates} puts the changed files in place only at the end of a
 * run, so an interrupted run leaves the receiver's files as they were (a partial {@code ~tmp~}
 * directory aside); {@code --backup-dir} keeps the replaced and deleted versions beside the path,
 * as the peer link does. A sender with no files is refused before rsync starts. The receiving agent
 * does not see these files: no overrides, no reload, no receiver-side gate (restrict the SSH key,
 * e.g. with {@code rrsync}).
 */
public final class RsyncRunner implements SyncRunner {

  private static final Pattern FILES =
      Pattern.compile("Number of regular files transferred: ([\\d,]+)");
  private static final Pattern BYTES = Pattern.compile("Total transferred file size: ([\\d,]+)");

  private final String job;
  private final SyncSource.Files source;
  private final String site;
  private final Function<String, String> hostOf;
  private final Duration timeout;
  private final String rsync;
  private final String ssh;

  /**
   * @param hostOf the management host of a site
   * @param rsync the rsync program ({@code rsync} on PATH)
   * @param ssh the SSH program ({@code ssh} on PATH)
   */
  public RsyncRunner(
      String job,
      SyncSource.Files source,
      String site,
      Function<String, String> hostOf,
      Duration timeout,
      String rsync,
      String ssh) {
    this.job = job;
    this.source = source;
    this.site = site;
    this.hostOf = hostOf;
    this.timeout = timeout;
    this.rsync = rsync;
    this.ssh = ssh;
  }

  @Override
  public Result push(String job, String peer, long epoch, BooleanSupplier stillAllowed) {
    SyncSource.Rsync r = source.rsync().orElseThrow();
    List<String> mine = source.pathsFor(site);
    List<String> theirs = source.pathsFor(peer);
    long files = 0;
    long bytes = 0;
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
            .withZone(ZoneOffset.UTC)
            .format(java.time.Instant.now());
    for (int i = 0; i < mine.size(); i++) {
      if (!hasFiles(Path.of(mine.get(i)))) {
        throw new SyncRefusedException(
            SyncReason.TOO_LARGE,
            "sync "
                + job
                + ": skipped, "
                + mine.get(i)
                + " has no files here (empty or unmounted?); rsync --delete would empty "
                + peer);
      }
      Path target = Path.of(theirs.get(i));
      List<String> cmd =
          new ArrayList<>(List.of(rsync, "-a", "--delete", "--delay-updates", "--stats"));
      cmd.add("--backup");
      cmd.add(
          "--backup-dir="
              + target
                  .getParent()
                  .resolve(TreeScanner.STATE_DIR)
                  .resolve(job + "-" + i)
                  .resolve("prev-rsync-" + stamp));
      cmd.add("--timeout=" + Math.max(30, timeout.toSeconds()));
      if (source.bandwidthLimit() > 0) {
        cmd.add("--bwlimit=" + Math.max(1, source.bandwidthLimit() / 1024));
      }
      for (String e : source.exclude()) {
        cmd.add("--exclude=" + e);
      }
      if (!source.include().equals(List.of("**"))) {
        cmd.add("--include=*/");
        source.include().forEach(in -> cmd.add("--include=" + in));
        cmd.add("--exclude=*");
      }
      StringBuilder shell =
          new StringBuilder(ssh).append(" -p ").append(r.port()).append(" -o BatchMode=yes");
      r.identityFile().ifPresent(k -> shell.append(" -i ").append(k));
      cmd.add("-e");
      cmd.add(shell.toString());
      cmd.add(mine.get(i) + "/");
      cmd.add(r.user() + "@" + hostOf.apply(peer) + ":" + theirs.get(i) + "/");
      String out = run(cmd, stillAllowed);
      files += number(FILES, out);
      bytes += number(BYTES, out);
    }
    return new Result(
        files == 0,
        files,
        0,
        bytes,
        "rsync over ssh to " + peer + ": " + files + " files, " + Bytes.human(bytes));
  }

  private String run(List<String> cmd, BooleanSupplier stillAllowed) {
    Path log = null;
    try {
      log = Files.createTempFile("tandem-rsync-" + job, ".log");
      Process p =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      p.getOutputStream().close();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!p.waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        if (!stillAllowed.getAsBoolean()) {
          stop(p);
          throw new SyncFailedException(
              SyncReason.TICKET_LOST,
              "sync " + job + ": rsync stopped, the gate closed during the run");
        }
        if (System.nanoTime() - deadline > 0) {
          stop(p);
          throw new SyncFailedException(
              SyncReason.TRANSFER_FAILED,
              "sync " + job + ": rsync did not finish within " + timeout);
        }
      }
      String out = Files.readString(log, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        String last = out.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
        throw new SyncFailedException(
            SyncReason.TRANSFER_FAILED,
            "sync " + job + ": rsync exited " + p.exitValue() + ": " + last);
      }
      return out;
    } catch (IOException e) {
      throw new SyncFailedException(
          SyncReason.TRANSFER_FAILED,
          "sync " + job + ": rsync could not run: " + e.getMessage(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SyncFailedException(SyncReason.TRANSFER_FAILED, "sync " + job + ": interrupted");
    } finally {
      if (log != null) {
        try {
          Files.deleteIfExists(log);
        } catch (IOException ignored) {
          // a temporary file
        }
      }
    }
  }

  /**
   * Stops rsync and its ssh: SIGTERM first (rsync cleans up and its ssh closes the remote session,
   * so the receiving rsync stops too), SIGKILL for whatever is left after five seconds. Killing
   * only rsync would leave its ssh, and so the remote rsync, running.
   */
  private static void stop(Process p) throws InterruptedException {
    List<ProcessHandle> children = p.descendants().toList();
    p.destroy();
    children.forEach(ProcessHandle::destroy);
    if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    for (ProcessHandle c : children) {
      try {
        c.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        c.destroyForcibly();
      }
    }
  }

  private static boolean hasFiles(Path root) {
    try (var walk = Files.walk(root)) {
      return walk.anyMatch(Files::isRegularFile);
    } catch (IOException e) {
      return false;
    }
  }

  private static long number(Pattern p, String out) {
    Matcher m = p.matcher(out);
    return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : 0;
  }
}
