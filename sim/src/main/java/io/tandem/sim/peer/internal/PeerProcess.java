package io.tandem.sim.peer.internal;

import io.tandem.sim.peer.PeerStartException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One peer operating-system process: started with its output appended to a log file, awaited until
 * a readiness probe passes, stopped with SIGTERM then SIGKILL. Thread-safe for {@link #stop} racing
 * the JVM shutdown hook; otherwise used by one test class at a time.
 */
public final class PeerProcess {

  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final Duration POLL = Duration.ofMillis(20);

  static {
    // Last resort if the JVM exits without the JUnit store being closed (e.g. a killed fork).
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () ->
                    LIVE.forEach(
                        p -> {
                          p.descendants().forEach(ProcessHandle::destroyForcibly);
                          p.destroyForcibly();
                        }),
                "tandem-testkit-reaper"));
  }

  private final String name;
  private final List<String> command;
  private final Path workDir;
  private final Path logFile;
  private final Map<String, String> environment;
  private volatile Process process;

  public PeerProcess(
      String name, List<String> command, Path workDir, Path logFile, Map<String, String> env) {
    this.name = name;
    this.command = List.copyOf(command);
    this.workDir = workDir;
    this.logFile = logFile;
    this.environment = Map.copyOf(env);
  }

  public String name() {
    return name;
  }

  public Path logFile() {
    return logFile;
  }

  /**
   * Starts the process and waits until {@code ready} returns true (exceptions count as not yet).
   *
   * @throws PeerStartException with the log tail when the process exits or the timeout passes;
   *     {@link PeerStartException#getCause()} is a {@link ProcessExitedException} when it exited
   */
  public void startAndAwait(Duration timeout, Callable<Boolean> ready) {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(Redirect.appendTo(logFile.toFile()));
    builder.environment().putAll(environment);
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new PeerStartException(name + " could not be started: " + command, e);
    }
    LIVE.add(process);
    Process started = process;
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception lastProbeFailure = null;
    // Bounded by the deadline. The wait between probes is the process's own waitFor, which returns
    // at once when the process exits, so an early death is reported without waiting the timeout.
    while (true) {
      try {
        if (Boolean.TRUE.equals(ready.call())) {
          return;
        }
      } catch (InterruptedException e) {
        stop();
        Thread.currentThread().interrupt();
        throw new PeerStartException(name + " start interrupted", e);
      } catch (Exception notYet) {
        lastProbeFailure = notYet; // not ready yet: the probe may fail until the peer listens
      }
      long left = deadline - System.nanoTime();
      boolean exited;
      try {
        exited =
            !started.isAlive()
                || started.waitFor(
                    Math.min(POLL.toNanos(), Math.max(0, left)), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        stop();
        Thread.currentThread().interrupt();
        throw new PeerStartException(name + " start interrupted", e);
      }
      if (exited) {
        int code = started.exitValue();
        stop();
        throw new PeerStartException(
            name + " exited with code " + code + " before it was ready\n" + logTail(),
            new ProcessExitedException(name + " exited with code " + code));
      }
      if (left <= 0) {
        stop();
        throw new PeerStartException(
            name + " was not ready within " + timeout + "\n" + logTail(), lastProbeFailure);
      }
    }
  }

  /** The process id, for signals a peer's controls send (e.g. SIGSTOP to stop it answering). */
  public long pid() {
    Process p = process;
    if (p == null) {
      throw new IllegalStateException(name + " is not started");
    }
    return p.pid();
  }

  public boolean isAlive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** Stops the process and its children; idempotent. */
  public void stop() {
    Process p = process;
    if (p == null) {
      return;
    }
    List<ProcessHandle> children = new ArrayList<>(p.descendants().toList());
    p.destroy();
    try {
      if (!p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    LIVE.remove(p);
  }

  /** The last lines of the peer's log, with a header naming the file. */
  public String logTail() {
    return logTail(logFile, name, 200);
  }

  public static String logTail(Path file, String name, int maxLines) {
    List<String> lines;
    try {
      lines =
          Files.exists(file) ? Files.readAllLines(file, StandardCharsets.ISO_8859_1) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> tail = lines.subList(Math.max(0, lines.size() - maxLines), lines.size());
    return "----- "
        + name
        + " log ("
        + file
        + ", last "
        + tail.size()
        + " lines) -----\n"
        + String.join("\n", tail)
        + "\n----- end of "
        + name
        + " log -----";
  }

  /** Marks a start failure where the process died (e.g. lost a port-bind race): retryable. */
  public static final class ProcessExitedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ProcessExitedException(String message) {
      super(message);
    }
  }
}
