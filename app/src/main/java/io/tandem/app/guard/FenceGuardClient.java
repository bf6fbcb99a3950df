package io.tandem.app.guard;

import io.tandem.core.agent.guard.GuardBeat;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of the fence guard: hands each {@link GuardBeat} to a sender thread (the agent
 * thread never waits on the socket; only the newest beat matters, older ones are dropped) that
 * keeps one connection to the guard's socket, saying hello with its monotonic clock first. No
 * socket, no guard: beats are dropped, and that is logged once (the agent works without a guard,
 * but a paused agent is then fenced by nobody outside it).
 */
public final class FenceGuardClient implements Consumer<GuardBeat>, AutoCloseable {

  /** The socket's name in the agent's data directory. */
  public static final String SOCKET = "fence-guard.sock";

  private static final Logger log = LoggerFactory.getLogger(FenceGuardClient.class);

  private final Path socket;
  private final LongSupplier nanos;
  private final AtomicReference<GuardBeat> latest = new AtomicReference<>();
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

  /**
   * @param socket the guard's socket
   * @param nanos the agent's monotonic clock (beats' deadlines are on it)
   */
  public FenceGuardClient(Path socket, LongSupplier nanos) {
    this.socket = Objects.requireNonNull(socket, "socket");
    this.nanos = Objects.requireNonNull(nanos, "nanos");
  }

  /** Whether a guard accepted this agent. */
  public boolean connected() {
    return connected;
  }

  @Override
  public void accept(GuardBeat beat) {
    if (latest.getAndSet(beat) == null) {
      try {
        sender.execute(this::sendLatest);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // the agent is stopping
      }
    }
  }

  private void sendLatest() {
    GuardBeat beat = latest.getAndSet(null);
    if (beat == null) {
      return;
    }
    try {
      if (channel == null && !connect()) {
        return;
      }
      channel.write(ByteBuffer.wrap((beat.wire() + "\n").getBytes(StandardCharsets.US_ASCII)));
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
    SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      c.connect(UnixDomainSocketAddress.of(socket));
      c.write(
          ByteBuffer.wrap(
              ("HELLO " + nanos.getAsLong() + "\n").getBytes(StandardCharsets.US_ASCII)));
      String answer =
          new BufferedReader(
                  new InputStreamReader(Channels.newInputStream(c), StandardCharsets.US_ASCII))
              .readLine();
      if (!"OK".equals(answer)) {
        log.error("fence guard at {} refused this agent: {}", socket, answer);
        c.close();
        return false;
      }
    } catch (IOException e) {
      c.close();
      throw e;
    }
    channel = c;
    connected = true;
    warnedMissing = false;
    log.info("fence guard: connected to {}", socket);
    return true;
  }

  private void disconnect() {
    connected = false;
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
