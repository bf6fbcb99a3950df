package io.tandem.app.guard;

import io.tandem.core.agent.guard.FenceGuardState;
import io.tandem.core.agent.guard.GuardBeat;
import io.tandem.core.agent.guard.GuardReply;
import io.tandem.core.port.PbxControl;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fence guard process's server: a watchdog outside the agent's JVM that stops the local PBX
 * taking calls when the agent stops refreshing its deadline (GC or VM pause, SIGSTOP, a wedged or
 * killed agent). Its rules are {@link FenceGuardState}'s, the same the simulation proves.
 *
 * <p>Wire: the agent connects to a Unix domain stream socket in its data directory (file mode 0600:
 * only the agent's user) and sends lines: {@code HELLO <nanoTime>} once, then one {@link
 * GuardBeat#wire()} per tick. An agent that says {@code HELLO <nanoTime> REPLIES} gets one {@link
 * GuardReply#wire()} line back per beat (its fence count and when its latest fence ended), so it
 * learns when the guard fenced a PBX it still holds the ticket for; an older agent's plain hello
 * gets no replies (it would never read them). The guard answers the hello with {@code OK} only if
 * the agent's monotonic clock reads what its own does (both are {@code CLOCK_MONOTONIC} on one
 * Linux host), because beats carry absolute deadlines; else {@code REFUSED <why>} and it closes.
 * Java has no AF_UNIX datagram sockets (hence not sd_notify); stream sockets it has since 16.
 *
 * <p>Fencing: {@link PbxControl#stopNewCalls()} (the agent's own first fencing part), bounded by
 * {@code fenceTimeout}; a fence that failed is retried on the next poll (every 50 ms). The PBX
 * session is opened at start, so a fence does not wait for a login. Thread-safe.
 */
public final class FenceGuard implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FenceGuard.class);

  /** The hello's last word by which an agent asks for a {@link GuardReply} to every beat. */
  public static final String REPLIES = "REPLIES";

  /** How far apart the agent's and the guard's monotonic clocks may read at hello. */
  static final long CLOCK_AGREEMENT_NANOS = Duration.ofSeconds(1).toNanos();

  private final Path socket;
  private final PbxControl pbx;
  private final Duration fenceTimeout;
  private final LongSupplier nanos;
  private final Duration startCover;
  private FenceGuardState state;
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "tandem-fence-guard");
            t.setDaemon(true);
            return t;
          });
  private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
  private final java.util.concurrent.CountDownLatch closed =
      new java.util.concurrent.CountDownLatch(1);
  private ServerSocketChannel server;
  private volatile boolean running;

  /**
   * @param socket where agents connect
   * @param pbx the local PBX
   * @param startCover how long an unknown PBX may serve before the guard fences it, if no agent
   *     speaks (the agent's start-up hold is a good value)
   * @param fenceTimeout bound of one fence attempt
   * @param nanos the host's monotonic clock
   */
  public FenceGuard(
      Path socket, PbxControl pbx, Duration startCover, Duration fenceTimeout, LongSupplier nanos) {
    this.socket = Objects.requireNonNull(socket, "socket");
    this.pbx = Objects.requireNonNull(pbx, "pbx");
    this.fenceTimeout = Objects.requireNonNull(fenceTimeout, "fenceTimeout");
    this.nanos = Objects.requireNonNull(nanos, "nanos");
    this.startCover = Objects.requireNonNull(startCover, "startCover");
  }

  /** Opens the PBX session, binds the socket and starts polling. */
  public void start() throws IOException {
    try {
      pbx.status(); // log in now, so a fence does not wait for it
    } catch (RuntimeException e) {
      log.warn("fence guard: the PBX did not answer yet ({}); will fence when due", e.getMessage());
    }
    synchronized (this) {
      // the start cover counts from when agents can reach the guard
      state = new FenceGuardState(nanos.getAsLong(), startCover.toNanos());
    }
    Files.createDirectories(socket.getParent());
    Files.deleteIfExists(socket);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    try {
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // not a POSIX file system: the directory's permissions must protect it
    }
    running = true;
    io.execute(this::acceptLoop);
    poller.scheduleWithFixedDelay(this::poll, 0, 50, TimeUnit.MILLISECONDS);
    log.info("fence guard: listening on {}", socket);
  }

  /** Whether the guard would fence if its deadline passed (an agent said its PBX may serve). */
  public synchronized boolean armed() {
    return state.armed();
  }

  /** The deadline of the latest beat (host monotonic clock). */
  public synchronized long deadlineNanos() {
    return state.untilNanos();
  }

  /** How many fences the guard started. */
  public synchronized long fences() {
    return state.fences();
  }

  private void acceptLoop() {
    while (running) {
      try {
        SocketChannel c = server.accept();
        io.execute(() -> serve(c));
      } catch (IOException e) {
        if (running) {
          log.warn("fence guard: accept failed: {}", e.getMessage());
        }
        return;
      }
    }
  }

  private void serve(SocketChannel c) {
    try (c;
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(Channels.newInputStream(c), StandardCharsets.US_ASCII));
        OutputStream out = Channels.newOutputStream(c)) {
      String hello = in.readLine();
      boolean replies = hello != null && hello.endsWith(" " + REPLIES);
      if (replies) {
        hello = hello.substring(0, hello.length() - REPLIES.length() - 1);
      }
      String refusal = checkHello(hello);
      if (refusal != null) {
        out.write(("REFUSED " + refusal + "\n").getBytes(StandardCharsets.US_ASCII));
        log.error("fence guard: refused an agent: {}", refusal);
        return;
      }
      out.write("OK\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String line;
      while ((line = in.readLine()) != null) {
        GuardBeat beat;
        try {
          beat = GuardBeat.parse(line);
        } catch (IllegalArgumentException e) {
          log.warn("fence guard: {}; closing the connection", e.getMessage());
          return;
        }
        GuardReply reply;
        synchronized (this) {
          state.onBeat(beat, nanos.getAsLong());
          reply = state.reply();
        }
        if (replies) {
          // the agent reads replies on a thread of its own, so this write does not block for long
          out.write((reply.wire() + "\n").getBytes(StandardCharsets.US_ASCII));
          out.flush();
        }
      }
    } catch (IOException e) {
      log.debug("fence guard: agent connection ended: {}", e.getMessage());
    }
  }

  private String checkHello(String hello) {
    if (hello == null || !hello.startsWith("HELLO ")) {
      return "expected HELLO <nanoTime>";
    }
    try {
      long theirs = Long.parseLong(hello.substring(6).trim());
      long diff = Math.abs(nanos.getAsLong() - theirs);
      return diff > CLOCK_AGREEMENT_NANOS
          ? "the agent's monotonic clock is "
              + diff / 1_000_000
              + " ms from the guard's: run both on one host (CLOCK_MONOTONIC)"
          : null;
    } catch (NumberFormatException e) {
      return "expected HELLO <nanoTime>";
    }
  }

  private void poll() {
    String why;
    synchronized (this) {
      long now = nanos.getAsLong();
      if (!running || !state.due(now)) {
        return;
      }
      why = state.fenceStarted(now);
    }
    log.warn("fence guard: {}", why);
    boolean done;
    CompletableFuture<Void> attempt = CompletableFuture.runAsync(pbx::stopNewCalls, io);
    try {
      attempt.get(fenceTimeout.toMillis(), TimeUnit.MILLISECONDS);
      done = true;
      log.warn("fence guard: the PBX no longer takes new calls");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      done = false;
    } catch (Exception e) {
      log.error("fence guard: the fence failed, retrying: {}", e.getMessage());
      done = false;
    }
    synchronized (this) {
      state.fenceEnded(done, nanos.getAsLong());
    }
    if (!attempt.isDone()) {
      // timed out but still under way: it may yet reach the PBX, so replies must report when
      attempt.whenComplete(
          (ok, error) -> {
            synchronized (this) {
              state.lateFenceFinished(nanos.getAsLong());
            }
          });
    }
  }

  /** Blocks until {@link #close()} (the guard's threads are daemons: this keeps the JVM up). */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  @Override
  public void close() {
    closed.countDown();
    running = false;
    poller.shutdownNow();
    try {
      if (server != null) {
        server.close();
      }
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      log.debug("fence guard: closing: {}", e.getMessage());
    }
    io.shutdownNow();
  }
}
