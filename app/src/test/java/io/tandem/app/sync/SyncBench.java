package io.tandem.app.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.core.sync.SyncDecision;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark (run by {@code scripts/bench-sync}, not by the test suite: the class name does not end
 * in Test): two real agents as {@code tandem agent} assembles them sync a tree of {@code
 * bench.files} files / {@code bench.bytes} bytes (default 10,000 / 1 GiB, incompressible content)
 * over their peer link — the first full sync, then one file changed on the active until it is live
 * on the standby (change watch) — and, in the same run on the same tree, plain {@code rsync -a} to
 * a local directory: the full copy, then the same one-file change. Writes {@code
 * target/bench/sync.json}.
 */
class SyncBench {

  @TempDir Path dir;

  @Test
  void syncATreeAndOneChangeSideBySideWithRsync() throws Exception {
    String loadAtStart = loadAverage();
    int files = Integer.getInteger("bench.files", 10_000);
    long bytes = Long.getLong("bench.bytes", 1L << 30);
    Path alpha = dir.resolve("alpha/tree");
    Path beta = dir.resolve("beta/tree");
    Files.createDirectories(beta);
    long t0 = System.nanoTime();
    generate(alpha, files, bytes);
    System.out.printf(
        "bench-sync: generated %d files, %d bytes in %.1f s%n", files, bytes, secs(t0));

    String yaml =
        """
        sync:
          - name: tree
            kind: files
            paths: [ /srv/tree ]
            sitePaths:
              - { site: alpha, paths: [ "%1$s/alpha/tree" ] }
              - { site: beta, paths: [ "%1$s/beta/tree" ] }
            interval: 1h
            watch: true
            maxBytes: 64GiB
            timeout: 30m
        """;
    try (SyncCluster cluster = new SyncCluster(dir, yaml)) {
      cluster.startAgents();
      cluster.awaitActive("alpha");
      var service = cluster.sync("alpha").service();
      service.runNow("tree");
      // the job's own first run (2 s after start) may be the one that copies the tree, and this
      // call then finds it up to date: the full sync's time is that run's, as the agent measured
      SyncDecision first =
          cluster.sync("alpha").ledger().recent(50).stream()
              .filter(
                  d ->
                      d.outcome() == SyncDecision.Outcome.SENT
                          && d.words().contains(files + " files written"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no run copied the tree"));
      double full = first.durationMillis() / 1000.0;
      assertThat(countFiles(beta)).isEqualTo(files);

      Path one = alpha.resolve("d" + (files / 2 % 100)).resolve("f" + (files / 2) + ".bin");
      Path oneThere = beta.resolve(alpha.relativize(one));
      byte[] changed = "changed by the benchmark\n".getBytes(StandardCharsets.UTF_8);
      long c0 = System.nanoTime();
      Files.write(one, changed);
      await()
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> Files.exists(oneThere) && Files.size(oneThere) == changed.length);
      double change = secs(c0);
      // the run that moved it, as the agent measured it (scan, manifest, transfer, swap), without
      // the change watch and its debounce: what compares with one rsync run started by hand
      double changeRun =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () ->
                      cluster.sync("alpha").ledger().recent(20).stream()
                          .filter(
                              d ->
                                  d.outcome() == SyncDecision.Outcome.SENT
                                      && d.words().contains("1 file written"))
                          .findFirst()
                          .map(d -> d.durationMillis() / 1000.0),
                  java.util.Optional::isPresent)
              .orElseThrow();

      Path copy = dir.resolve("rsync/tree");
      Files.createDirectories(copy.getParent());
      Files.write(one, new byte[] {1, 2, 3}); // rsync's change is a fresh one too
      long r0 = System.nanoTime();
      rsync(alpha, copy);
      double rsyncFull = secs(r0);
      Files.write(one, changed);
      long r1 = System.nanoTime();
      rsync(alpha, copy);
      double rsyncChange = secs(r1);

      String json =
          String.format(
              Locale.ROOT,
              """
              {
                "files": %d,
                "bytes": %d,
                "cores": %d,
                "loadAverage": { "atStart": %s, "atEnd": %s },
                "tandem": { "firstFullSyncSeconds": %.3f, "oneFileChangeLiveSeconds": %.3f,
                            "oneFileChangeRunSeconds": %.3f,
                            "transport": "peer link, http on 127.0.0.1, content in frames deflated only where it pays" },
                "rsync": { "firstFullSyncSeconds": %.3f, "oneFileChangeSeconds": %.3f,
                           "command": "rsync -a <src>/ <dst>/ (local, no ssh)" },
                "ratio": { "firstFullSync": %.2f, "oneFileChange": %.2f, "oneFileChangeRun": %.2f },
                "note": "ratio = tandem / rsync; tandem's change is from the write on the active to the file in place on the standby (inotify, manifest, transfer, staged swap); rsync's is one rsync run started by hand after the change"
              }
              """,
              files,
              bytes,
              Runtime.getRuntime().availableProcessors(),
              loadAtStart,
              loadAverage(),
              full,
              change,
              changeRun,
              rsyncFull,
              rsyncChange,
              full / rsyncFull,
              change / rsyncChange,
              changeRun / rsyncChange);
      Path out = Path.of(System.getProperty("bench.out", "target/bench/sync.json"));
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, json);
      System.out.println(json);
    }
  }

  /** {@code files} files of incompressible content, {@code bytes} in all, in 100 directories. */
  static void generate(Path root, int files, long bytes) throws IOException {
    SplittableRandom r = new SplittableRandom(42);
    long each = bytes / files;
    byte[] buf = new byte[1 << 16];
    for (int i = 0; i < files; i++) {
      Path d = root.resolve("d" + (i % 100));
      Files.createDirectories(d);
      long size = i == files - 1 ? bytes - each * (files - 1) : each;
      try (OutputStream out = Files.newOutputStream(d.resolve("f" + i + ".bin"))) {
        long left = size;
        while (left > 0) {
          for (int k = 0; k < buf.length; k += 8) {
            long v = r.nextLong();
            for (int b = 0; b < 8; b++) {
              buf[k + b] = (byte) (v >>> (8 * b));
            }
          }
          int n = (int) Math.min(buf.length, left);
          out.write(buf, 0, n);
          left -= n;
        }
      }
    }
  }

  static long countFiles(Path root) throws IOException {
    try (var w = Files.walk(root)) {
      return w.filter(Files::isRegularFile).count();
    }
  }

  static void rsync(Path from, Path to) throws Exception {
    Process p =
        new ProcessBuilder("rsync", "-a", from + "/", to + "/")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("rsync failed");
    }
  }

  /** The one-minute load average (the machine is shared: the figures depend on it). */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "null";
    }
  }

  static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
