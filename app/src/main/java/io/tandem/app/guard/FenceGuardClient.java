package io.tandem.app.guard;

import io.tandem.core.agent.guard.GuardBeat;
import io.tandem.core.agent.guard.GuardLink;
import io.tandem.core.agent.guard.GuardReply;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of the fence guard: hands each {@link GuardBeat} to a sender thread (the agent
 * thread never waits on the socket; only the newest beat matters, older ones are dropped) that
 * keeps one connection to the guard's socket, saying hello with its monotonic clock first. No
 * socket, no guard: beats are dropped, and that is logged once (the agent works without a guard,
 * but a paused agent is then fenced by nobody outside it).
 *
 * <p>It asks the guard for a {@link GuardReply} to every beat ({@code HELLO <nanoTime> REPLIES})
 * and hands each to {@link #onReply} on a reader thread of the connection's own; a guard of an
 * older version refuses that hello ("expected HELLO <nanoTime>"), and the client then says the
 * plain hello on a new connection and goes on without replies (logged once: restart the guard).
 *
 * <p>Beats are numbered in the order the agent hands them over ({@link GuardLink}); the guard
 * answers every beat it reads, in order, on one connection, so the n-th reply on a connection
 * answers the n-th beat written on it, and each reply goes to the listener with that beat's number.
 * The agent waits for the reply to the beat arming the guard for a new epoch before it lets the PBX
 * take calls; {@link #answers()} says whether a guard that answers is connected.
 */
public final class FenceGuardClient implements GuardLink, AutoCloseable {

  /** The socket's name in the agent's data directory. */
  public static final String SOCKET = "fence-guard.sock";

  private static final Logger log = LoggerFactory.getLogger(FenceGuardClient.class);

  private final Path socket;
  private final LongSupplier nanos;
  private final AtomicReference<Numbered> latest = new AtomicReference<>();
  private final AtomicLong handed = new AtomicLong();
  private final ExecutorService sender =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "tandem-fence-guard-client");
            t.setDaemon(true);
            return t;
          });
  private SocketChannel channel;
  private boolean warnedMissing;
  private volatile boolean connected;
  private volatile Replies replies = (r, beat) -> {};
  private boolean warnedOld;

  /** The numbers of the beats written on the current connection and not answered yet. */
  private Queue<Long> unanswered = new ConcurrentLinkedQueue<>();

  /** The connection whose guard answers beats, while its reader runs; null otherwise. */
  private volatile SocketChannel answering;

  private record Numbered(long number, GuardBeat beat) {}

  /**
   * @param socket the guard's socket
   * @param nanos the agent's monotonic clock (beats' deadlines are on it)
   */
  public FenceGuardClient(Path socket, LongSupplier nanos) {
    this.socket = Objects.requireNonNull(socket, "socket");
    this.nanos = Objects.requireNonNull(nanos, "nanos");
  }

  /**
   * Where the guard's replies go, each with the number of the beat it answers (its reader thread;
   * must not block). Set before the first beat.
   */
  public void onReply(Replies listener) {
    replies = Objects.requireNonNull(listener, "listener");
  }

  /** Whether a guard accepted this agent. */
  public boolean connected() {
    return connected;
  }

  /** Whether a guard that answers every beat is connected (and its replies are being read). */
  @Override
  public boolean answers() {
    return connected && answering != null;
  }

  @Override
  public void accept(GuardBeat beat) {
    // numbered first, before anything that may throw: the agent counts it as handed over
    Numbered n = new Numbered(handed.incrementAndGet(), beat);
    if (latest.getAndSet(n) == null) {
      try {
        sender.execute(this::sendLatest);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // the agent is stopping
      }
    }
  }

  private void sendLatest() {
    Numbered beat = latest.getAndSet(null);
    if (beat == null) {
      return;
    }
    try {
      if (channel == null && !connect()) {
        return;
      }
      if (answering != null) {
        // before the write: its reply may come at once (a guard without replies gets none queued)
        unanswered.add(beat.number());
      }
      ByteBuffer line =
          ByteBuffer.wrap((beat.beat().wire() + "\n").getBytes(StandardCharsets.US_ASCII));
      while (line.hasRemaining()) {
        channel.write(line);
      }
    } catch (IOException e) {
      log.warn(
          "fence guard: connection lost ({}); reconnecting with the next beat", e.getMessage());
      disconnect();
    }
  }

  private boolean connect() throws IOException {
    if (!Files.exists(socket)) {
      if (!warnedMissing) {
        warnedMissing = true;
        log.warn(
            "fence guard: no guard at {}; a paused agent cannot be fenced from outside", socket);
      }
      return false;
    }
    SocketChannel c = hello(true);
    if (c == null) {
      return false;
    }
    channel = c;
    connected = true;
    warnedMissing = false;
    log.info("fence guard: connected to {}", socket);
    return true;
  }

  /**
   * Connects and says hello; null if refused. With {@code askReplies}, a guard too old to know
   * replies refuses the hello, and this says the plain one on a new connection.
   */
  private SocketChannel hello(boolean askReplies) throws IOException {
    SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
    BufferedReader in;
    try {
      c.connect(UnixDomainSocketAddress.of(socket));
      String hello =
          "HELLO " + nanos.getAsLong() + (askReplies ? " " + FenceGuard.REPLIES : "") + "\n";
      c.write(ByteBuffer.wrap(hello.getBytes(StandardCharsets.US_ASCII)));
      in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(c), StandardCharsets.US_ASCII));
      String answer = in.readLine();
      if (!"OK".equals(answer)) {
        c.close();
        if (askReplies && answer != null && answer.startsWith("REFUSED expected HELLO")) {
          if (!warnedOld) {
            warnedOld = true;
            log.warn(
                "fence guard at {} is of an older version: it does not tell this agent when it"
                    + " fenced the PBX; restart tandem-fence-guard to upgrade it",
                socket);
          }
          return hello(false);
        }
        log.error("fence guard at {} refused this agent: {}", socket, answer);
        return null;
      }
    } catch (IOException e) {
      c.close();
      throw e;
    }
    if (askReplies) {
      Queue<Long> numbers = new ConcurrentLinkedQueue<>();
      unanswered = numbers; // a new connection: its replies answer only beats written on it
      answering = c;
      Thread.ofVirtual()
          .name("tandem-fence-guard-replies")
          .start(() -> readReplies(c, in, numbers));
    }
    return c;
  }

  private void readReplies(SocketChannel c, BufferedReader in, Queue<Long> numbers) {
    try {
      String line;
      while ((line = in.readLine()) != null) {
        Long beat = numbers.poll(); // the guard answers every beat, in order
        GuardReply r;
        try {
          r = GuardReply.parse(line);
        } catch (IllegalArgumentException e) {
          log.warn("fence guard: {}; ignoring it", e.getMessage());
          continue;
        }
        try {
          replies.replied(r, beat == null ? 0 : beat);
        } catch (RuntimeException e) {
          log.warn("fence guard: reply listener failed: {}", e.toString());
        }
      }
    } catch (IOException e) {
      if (c.isOpen()) {
        log.debug("fence guard: reading replies ended: {}", e.getMessage());
      }
    } finally {
      if (answering == c) {
        answering = null; // no more answers on this connection: activations go on as without
      }
    }
  }

  private void disconnect() {
    connected = false;
    answering = null;
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // closing anyway
      }
      channel = null;
    }
  }

  @Override
  public void close() {
    sender.shutdownNow();
    disconnect();
  }
}
