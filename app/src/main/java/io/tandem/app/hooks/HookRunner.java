package io.tandem.app.hooks;

import io.tandem.core.config.HookConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one hook program: {@code sh -c <command>} in a new session (so its whole process group can
 * be killed, as systemd kills a unit's control group), with a clean environment (PATH, LANG and the
 * event's {@code TANDEM_*} variables only: the agent's own environment holds secrets), stdin
 * closed, stdout and stderr together kept up to {@link #MAX_OUTPUT} bytes, killed after the hook's
 * timeout. Hand-written because no library here runs a process group with a deadline; it is a dozen
 * lines of {@link ProcessBuilder}.
 */
public final class HookRunner {

  /** Output kept per run; the rest is counted, not kept. */
  public static final int MAX_OUTPUT = 8 * 1024;

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HookRunner.class);

  private static final boolean SETSID = Files.isExecutable(Path.of("/usr/bin/setsid"));

  private final Path workDir;

  public HookRunner(Path workDir) {
    this.workDir = workDir;
  }

  /**
   * What one run did.
   *
   * @param hook the hook's name
   * @param exitCode its exit status, or -1 when it was killed at its timeout or could not start
   * @param timedOut whether it was killed at its timeout
   * @param output its output (stdout and stderr), at most {@link #MAX_OUTPUT} bytes
   * @param millis how long it ran
   */
  public record Result(String hook, int exitCode, boolean timedOut, String output, long millis) {

    public boolean succeeded() {
      return exitCode == 0 && !timedOut;
    }

    /** One line for logs and run reports. */
    public String words() {
      String how =
          timedOut
              ? "killed after its timeout"
              : exitCode == 0 ? "exit 0" : exitCode < 0 ? "did not start" : "exit " + exitCode;
      String out = output.strip().replaceAll("\\s*\\n\\s*", " | ");
      if (out.length() > 300) {
        out = out.substring(0, 300) + "…";
      }
      return hook + ": " + how + " in " + millis + " ms" + (out.isEmpty() ? "" : ": " + out);
    }
  }

  /** Runs {@code hook} with {@code env} added to a clean environment; blocks up to its timeout. */
  public Result run(HookConfig hook, Map<String, String> env) {
    long start = System.nanoTime();
    ProcessBuilder pb =
        SETSID
            ? new ProcessBuilder("/usr/bin/setsid", "sh", "-c", hook.command())
            : new ProcessBuilder("sh", "-c", hook.command());
    pb.redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    if (Files.isDirectory(workDir)) {
      pb.directory(workDir.toFile());
    }
    Map<String, String> e = pb.environment();
    String path = e.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    String lang = e.get("LANG");
    e.clear();
    e.put("PATH", path);
    if (lang != null) {
      e.put("LANG", lang);
    }
    e.putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException ex) {
      return new Result(hook.name(), -1, false, "cannot start: " + ex.getMessage(), 0);
    }
    Output out = new Output(p.getInputStream());
    Thread reader = Thread.ofVirtual().name("tandem-hook-" + hook.name()).start(out);
    boolean done;
    try {
      done = p.waitFor(hook.timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      done = false;
    }
    if (!done) {
      killGroup(p);
    }
    try {
      // the output ends when every process holding the pipe is gone (killed above)
      reader.join(Duration.ofSeconds(2));
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    Result r = new Result(hook.name(), done ? p.exitValue() : -1, !done, out.text(), millis);
    log.info("hook {}", r.words());
    return r;
  }

  /** Kills the hook's process group (it leads its own session), then whatever descends from it. */
  private static void killGroup(Process p) {
    if (SETSID) {
      try {
        new ProcessBuilder("kill", "-KILL", "--", "-" + p.pid())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start()
            .waitFor(2, TimeUnit.SECONDS);
      } catch (IOException e) {
        log.warn("cannot kill hook process group {}: {}", p.pid(), e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  /** Reads a process's output, keeping the first {@link #MAX_OUTPUT} bytes. */
  private static final class Output implements Runnable {
    private final InputStream in;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long dropped;

    Output(InputStream in) {
      this.in = in;
    }

    @Override
    public void run() {
      byte[] buf = new byte[4096];
      try (in) {
        for (int n; (n = in.read(buf)) >= 0; ) {
          synchronized (this) {
            int keep = Math.max(0, Math.min(n, MAX_OUTPUT - kept.size()));
            kept.write(buf, 0, keep);
            dropped += n - keep;
          }
        }
      } catch (IOException e) {
        // the process was killed: what was read is kept
      }
    }

    synchronized String text() {
      String s = kept.toString(StandardCharsets.UTF_8);
      return dropped > 0 ? s + "\n[" + dropped + " more bytes not kept]" : s;
    }
  }
}
