package io.tandem.onprem.fence;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a fence agent once: the options go to its stdin (never to its argv, where {@code ps} and the
 * process table would show them), stdout and stderr are read in full (bounded), and the run is
 * killed with everything it started (e.g. {@code ipmitool}) when the timeout passes. The
 * environment is minimal and in the C locale, so the agent's words are the ones it documents.
 *
 * <p>Hand-written rather than a library: the JDK's {@link ProcessBuilder} does all of it; what is
 * added is the stdin contract and the process-tree kill. Thread-safe (each run is its own process).
 */
final class FenceAgentProcess {

  /** What one run produced; {@code timedOut} runs were killed and have no meaningful exit code. */
  record Run(int exitCode, String stdout, String stderr, boolean timedOut, Duration took) {}

  private static final int MAX_OUTPUT = 64 * 1024;

  private FenceAgentProcess() {}

  static Run run(List<String> command, byte[] stdin, Duration timeout) {
    long t0 = System.nanoTime();
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    String path = env.getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    env.clear();
    env.put("PATH", path + ":/usr/sbin:/sbin");
    env.put("LANG", "C");
    env.put("LC_ALL", "C");
    // fence-agents 4.12 imports the deprecated 'pipes' module: keep that noise out of the words
    env.put("PYTHONWARNINGS", "ignore::DeprecationWarning");
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command.getFirst(), e);
    }
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(() -> read(p.getInputStream()), FenceAgentProcess::virtual);
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), FenceAgentProcess::virtual);
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin);
    } catch (IOException e) {
      // the agent exited before reading its options; its exit code and words say why
    }
    try {
      boolean done = p.waitFor(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
      if (!done) {
        kill(p);
      }
      return new Run(
          done ? p.exitValue() : -1,
          collect(out),
          collect(err),
          !done,
          Duration.ofNanos(System.nanoTime() - t0));
    } catch (InterruptedException e) {
      kill(p);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + command.getFirst() + " ran", e);
    }
  }

  private static void virtual(Runnable r) {
    Thread.ofVirtual().name("fence-agent-output").start(r);
  }

  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    try {
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String collect(CompletableFuture<String> f) {
    try {
      return f.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    } catch (ExecutionException | TimeoutException e) {
      return "";
    }
  }

  private static String read(InputStream s) {
    try (s) {
      byte[] all = s.readNBytes(MAX_OUTPUT);
      s.transferTo(OutputStream.nullOutputStream()); // drain the rest so the agent never blocks
      return new String(all, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
