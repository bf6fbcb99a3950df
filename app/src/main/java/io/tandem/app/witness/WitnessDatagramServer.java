package io.tandem.app.witness;

import io.tandem.core.error.ConfigException;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in witness's datagram listener: renewals, ticket reads, acquires and releases as
 * authenticated UDP datagrams ({@link WitnessDatagram}) on the same port number as the HTTP(S)
 * listener. Forced acquires (with the operator's sentence) and probes stay on HTTPS. An acquire or
 * a release is answered from a virtual thread (it may persist before it is answered).
 *
 * <p>Each datagram is checked in this order, and anything that fails is dropped without an answer
 * (an unauthenticated sender learns nothing): size, layout and names; the MAC under the claimed
 * site's key (only sites of served clusters have one); then the nonce, answered with an
 * authenticated {@code SKEW} or {@code STALE} when it is off the witness's clock or not above the
 * highest seen from that site (the agent then corrects its clock base). One receiver thread reads
 * and answers the common case at once ({@link BuiltInWitness#renewIfImmediateVerified}); a request
 * that must wait for its cluster's lock or persist runs on a virtual thread, at most {@link
 * #MAX_WAITING} at a time (beyond that it is dropped, as a lost datagram: the agent resends).
 * Thread-safe; {@link #close()} stops the receiver.
 */
public final class WitnessDatagramServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WitnessDatagramServer.class);

  /** Requests waiting for a lock or a write at most; more are dropped. */
  static final int MAX_WAITING = 256;

  private final DatagramChannel channel;
  private final BuiltInWitness witness;

  /** Each site's secret by {@link #id}; its datagram key is derived at its first datagram. */
  private final Map<String, byte[]> secrets;

  private final Map<String, SecretKeySpec> keys = new ConcurrentHashMap<>();
  private final Map<String, Long> highest = new HashMap<>(); // receiver thread only
  private final Clock wall;
  private final ExecutorService waiting = Executors.newVirtualThreadPerTaskExecutor();
  private final Semaphore waitPermits = new Semaphore(MAX_WAITING);
  private final Thread receiver;
  private final LongAdder answered = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder stale = new LongAdder();

  private WitnessDatagramServer(
      DatagramChannel channel, BuiltInWitness witness, Map<String, byte[]> secrets, Clock wall) {
    this.channel = channel;
    this.witness = witness;
    this.secrets = secrets;
    this.wall = wall;
    this.receiver = Thread.ofPlatform().name("witness-datagrams").daemon().unstarted(this::run);
  }

  /**
   * Listens on {@code address} (UDP) for the sites of {@code clusters}.
   *
   * @throws ConfigException if the address cannot be bound
   */
  public static WitnessDatagramServer start(
      InetSocketAddress address,
      BuiltInWitness witness,
      List<WitnessServerConfig.Cluster> clusters,
      Clock wall) {
    // keys are derived at each site's first datagram, not here: 20,000 HMACs were a fifth of a
    // 10,000-cluster witness's start (issue 17.4)
    Map<String, byte[]> secrets = new HashMap<>();
    for (WitnessServerConfig.Cluster c : clusters) {
      c.secrets().forEach((site, secret) -> secrets.put(id(c.name(), site), secret));
    }
    DatagramChannel ch;
    try {
      ch = DatagramChannel.open();
      ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
      ch.bind(address);
    } catch (IOException e) {
      throw new ConfigException(
          "witness datagram address "
              + address.getHostString()
              + ":"
              + address.getPort()
              + "/udp: cannot listen ("
              + e.getMessage()
              + ")");
    }
    WitnessDatagramServer s = new WitnessDatagramServer(ch, witness, Map.copyOf(secrets), wall);
    s.receiver.start();
    log.info("witness datagram listener on {}/udp", s.address());
    return s;
  }

  /** The datagram key of a configured site, derived at its first use; null for any other. */
  private SecretKeySpec key(String cluster, String site) {
    String id = id(cluster, site);
    SecretKeySpec k = keys.get(id);
    if (k != null || !secrets.containsKey(id)) {
      return k;
    }
    return keys.computeIfAbsent(id, i -> WitnessDatagram.key(secrets.get(i), cluster, site));
  }

  /** How many sites' datagram keys were derived so far (each at its first datagram). */
  int keysDerived() {
    return keys.size();
  }

  /** Where it listens (the real port when started on port 0). */
  public InetSocketAddress address() {
    try {
      return (InetSocketAddress) channel.getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Datagrams answered with a result so far. */
  public long answered() {
    return answered.sum();
  }

  /** Datagrams dropped without an answer so far (malformed, unknown site, wrong MAC, overload). */
  public long dropped() {
    return dropped.sum();
  }

  /** Datagrams answered STALE or SKEW so far (replayed, reordered or off the clock). */
  public long stale() {
    return stale.sum();
  }

  private static String id(String cluster, String site) {
    return cluster + "\0" + site;
  }

  private void run() {
    ByteBuffer buf = ByteBuffer.allocate(WitnessDatagram.MAX_SIZE + 1);
    while (channel.isOpen()) {
      SocketAddress from;
      try {
        buf.clear();
        from = channel.receive(buf);
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        log.warn("witness datagram listener: {}", e.getMessage());
        continue;
      }
      try {
        handle(buf.array(), buf.position(), from);
      } catch (RuntimeException e) {
        dropped.increment();
        log.error("witness datagram listener: request failed unexpectedly", e);
      }
    }
  }

  private void handle(byte[] d, int length, SocketAddress from) {
    if (length > WitnessDatagram.MAX_SIZE) {
      dropped.increment();
      return;
    }
    Optional<String[]> claimed = WitnessDatagram.claimed(d, length);
    SecretKeySpec key = claimed.map(c -> key(c[0], c[1])).orElse(null);
    Optional<WitnessDatagram.Request> opened =
        key == null ? Optional.empty() : WitnessDatagram.openRequest(d, length, key);
    if (opened.isEmpty()) {
      dropped.increment();
      return;
    }
    WitnessDatagram.Request r = opened.get();
    long nowMicros = ChronoUnit.MICROS.between(java.time.Instant.EPOCH, wall.instant());
    if (Math.abs(r.nonce() - nowMicros) > WitnessDatagram.MAX_SKEW.toNanos() / 1000) {
      stale.increment();
      send(WitnessDatagram.refusal(key, r, WitnessDatagram.Status.SKEW, nowMicros), from);
      return;
    }
    String id = id(r.cluster(), r.site());
    long seen = highest.getOrDefault(id, Long.MIN_VALUE);
    if (r.nonce() <= seen) {
      stale.increment();
      send(WitnessDatagram.refusal(key, r, WitnessDatagram.Status.STALE, seen), from);
      return;
    }
    highest.put(id, r.nonce());
    if (r.kind() == WitnessDatagram.KIND_READ) {
      Optional<Optional<Ticket>> now = witness.observeIfImmediateVerified(r.cluster());
      if (now.isPresent()) {
        reply(key, r, TicketResult.refused(now.get().orElse(null), "observed"), from);
      } else {
        later(key, r, from);
      }
      return;
    }
    if (r.epoch() < 0 || r.epoch() > TicketRequest.MAX_EPOCH) {
      dropped.increment();
      return;
    }
    if (r.kind() == WitnessDatagram.KIND_ACQUIRE || r.kind() == WitnessDatagram.KIND_RELEASE) {
      later(key, r, from); // both may persist: never on this thread
      return;
    }
    if (r.ttlMillis() <= 0) {
      dropped.increment();
      return;
    }
    TicketRequest req =
        TicketRequest.renew(
            r.cluster(), r.site(), r.healthy(), Duration.ofMillis(r.ttlMillis()), r.epoch());
    Optional<TicketResult> now = witness.renewIfImmediateVerified(req);
    if (now.isPresent()) {
      reply(key, r, now.get(), from);
    } else {
      later(key, r, from);
    }
  }

  /** Answers on a virtual thread a request that waits for its cluster's lock or a write. */
  private void later(SecretKeySpec key, WitnessDatagram.Request r, SocketAddress from) {
    if (!waitPermits.tryAcquire()) {
      dropped.increment();
      return;
    }
    waiting.execute(
        () -> {
          try {
            TicketResult result = answerWaiting(r);
            reply(key, r, result, from);
          } catch (RuntimeException e) {
            // e.g. the state could not be made durable: no answer, the agent resends
            dropped.increment();
            log.warn("witness datagram request failed: {}", e.getMessage());
          } finally {
            waitPermits.release();
          }
        });
  }

  /** The answer to a request that may wait for its cluster's lock or persist. */
  private TicketResult answerWaiting(WitnessDatagram.Request r) {
    return switch (r.kind()) {
      case WitnessDatagram.KIND_READ ->
          TicketResult.refused(witness.observe(r.cluster()).orElse(null), "observed");
      case WitnessDatagram.KIND_RELEASE -> {
        witness.releaseVerified(r.cluster(), r.site(), r.epoch());
        yield TicketResult.refused(witness.observe(r.cluster()).orElse(null), "released");
      }
      case WitnessDatagram.KIND_ACQUIRE ->
          r.ttlMillis() <= 0
              ? TicketResult.refused(null, "refused: ttl must be positive")
              : witness.acquireVerified(
                  TicketRequest.acquire(
                      r.cluster(),
                      r.site(),
                      r.healthy(),
                      Duration.ofMillis(r.ttlMillis()),
                      r.epoch()));
      default ->
          witness.renewVerified(
              TicketRequest.renew(
                  r.cluster(), r.site(), r.healthy(), Duration.ofMillis(r.ttlMillis()), r.epoch()));
    };
  }

  private void reply(
      SecretKeySpec key, WitnessDatagram.Request r, TicketResult result, SocketAddress to) {
    answered.increment();
    send(WitnessDatagram.answer(key, r, result), to);
  }

  private void send(byte[] answer, SocketAddress to) {
    try {
      channel.send(ByteBuffer.wrap(answer), to);
    } catch (IOException e) {
      log.debug("witness datagram answer to {} not sent: {}", to, e.getMessage());
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("witness datagram listener close: {}", e.getMessage());
    }
    waiting.shutdownNow();
    try {
      receiver.join(Duration.ofSeconds(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
