package io.tandem.onprem.vip;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.TransientException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link HostCommand} that starts a local process, optionally behind a fixed prefix ({@code ip
 * netns exec ns}, {@code ssh ... host --}). Thread-safe: every call starts its own process.
 */
public final class LocalHostCommand implements HostCommand {

  private static final int MAX_OUTPUT = 8192;

  /**
   * Output is drained on virtual threads: on the common pool (one thread on a two-core host) a
   * command filling its stderr pipe while stdout is drained would block until the timeout.
   */
  private static final Executor DRAIN = Executors.newVirtualThreadPerTaskExecutor();

  private final String host;
  private final List<String> prefix;

  public LocalHostCommand(String host, List<String> prefix) {
    this.host = host;
    this.prefix = List.copyOf(prefix);
  }

  /** Runs commands directly on this machine. */
  public static LocalHostCommand local(String host) {
    return new LocalHostCommand(host, List.of());
  }

  @Override
  public String host() {
    return host;
  }

  /** A local process (also behind {@code ip netns exec}) is killed; one behind ssh may not be. */
  @Override
  public boolean stoppable() {
    return prefix.stream().noneMatch(p -> p.equals("ssh") || p.endsWith("/ssh"));
  }

  @Override
  public java.util.Optional<CommandResult> runListening(
      List<String> argv, Duration listen, Duration timeout) {
    if (!stoppable()) {
      return java.util.Optional.of(run(argv, timeout));
    }
    return java.util.Optional.ofNullable(run(argv, timeout, listen));
  }

  @Override
  public CommandResult run(List<String> argv, Duration timeout) {
    return run(argv, timeout, null);
  }

  /** As {@link #run}; with {@code listen}, null once the process ran that long and was stopped. */
  private CommandResult run(List<String> argv, Duration timeout, Duration listen) {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(argv);
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
    } catch (IOException e) {
      throw new ConfigException(
          "host " + host + ": cannot start '" + command.get(0) + "': " + e.getMessage(), e);
    }
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(() -> drain(process.getInputStream()), DRAIN);
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()), DRAIN);
    try {
      if (listen != null && !process.waitFor(listen.toMillis(), TimeUnit.MILLISECONDS)) {
        // ran its listening time from its start (the clock starts once it exists)
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        return null;
      }
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new TransientException(
            "host " + host + ": '" + String.join(" ", argv) + "' did not finish within " + timeout);
      }
      return new CommandResult(
          process.exitValue(), out.get(1, TimeUnit.SECONDS), err.get(1, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new TransientException("host " + host + ": interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      return new CommandResult(process.exitValue(), "", "");
    }
  }

  private static String drain(InputStream in) {
    try (in) {
      byte[] all = in.readAllBytes();
      String s = new String(all, 0, Math.min(all.length, MAX_OUTPUT), StandardCharsets.UTF_8);
      return s;
    } catch (IOException e) {
      return "";
    }
  }
}
