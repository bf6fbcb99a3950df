package io.tandem.app.witness;

import io.tandem.core.error.ConfigException;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.WitnessAnswer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 *
 * <p>Renewals before reads: the receiver takes up to {@link #ROUND} datagrams from the socket at a
 * time, answers each renewal as it comes and puts each ticket read in a queue; after a round it
 * answers the queued reads, all of them when the socket was emptied, at most {@link
 * #READS_PER_BACKLOGGED_ROUND} while a backlog waits. Past capacity the holders' renewals are
 * therefore answered first, the standbys' reads get what is left, and the oldest reads beyond
 * {@link #MAX_QUEUED_READS} are dropped (counted in {@link #shed()}; the standby asks again on its
 * next poll). What the receiver cannot even read the kernel drops, as loss; agents resend.
 * Thread-safe; {@link #close()} stops the receiver.
 */
public final class WitnessDatagramServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WitnessDatagramServer.class);

  /** Requests waiting for a lock or a write at most; more are dropped. */
  static final int MAX_WAITING = 256;

  /** Datagrams taken from the socket before the queued reads get their turn. */
  static final int ROUND = 64;

  /** Reads answered after a round that left datagrams in the socket. */
  static final int READS_PER_BACKLOGGED_ROUND = 16;

  /** Reads waiting for their turn at most; beyond it the oldest is dropped. */
  static final int MAX_QUEUED_READS = 256;

  /**
   * The socket's receive buffer, sized so that what waits in it is still worth answering: past
   * capacity a deep buffer answers everything late — after the agent's {@code retryTimeout}, so as
   * lost, while still costing the work of an answer — whereas a dropped datagram costs the agent
   * one resend a tick later. Measured on Linux: 256 KiB holds about 630 small datagrams, 1 MiB
   * 2,520, 4 MiB 10,080; at 5,000 clusters, a witness given a fifth of a core answered the median
   * renewal after 334 ms with 4 MiB, 370 ms with 1 MiB (2,520 waiting at 6,600 answers/s), 15 ms
   * with 256 KiB. 512 KiB (about 1,260): under 200 ms of waiting while the witness answers 6,500 a
   * second, 24 ms of arrivals at 10,000 clusters (a longer pause drops renewals the agents resend).
   */
  static final int RECEIVE_BUFFER = 512 << 10;

  private final DatagramChannel channel;
  private final BuiltInWitness witness;
  private final DatagramSites sites; // Site.highest: receiver only
  private final QueuedReads reads = new QueuedReads(MAX_QUEUED_READS); // receiver thread only
  private final WitnessAnswer answer = new WitnessAnswer(); // receiver only
  private final ByteBuffer out = ByteBuffer.allocate(WitnessDatagram.MAX_SIZE); // receiver only
  private final Selector selector;
  private final Clock wall;
  private final ExecutorService waiting = Executors.newVirtualThreadPerTaskExecutor();
  private final Semaphore waitPermits = new Semaphore(MAX_WAITING);
  private final Thread receiver;
  private final LongAdder answered = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder stale = new LongAdder();
  private final LongAdder shed = new LongAdder();
  private final LongAdder keysDerived;

  private WitnessDatagramServer(
      DatagramChannel channel,
      Selector selector,
      BuiltInWitness witness,
      DatagramSites sites,
      LongAdder keysDerived,
      Clock wall) {
    this.keysDerived = keysDerived;
    this.channel = channel;
    this.selector = selector;
    this.witness = witness;
    this.sites = sites;
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
    WitnessDatagramServer s = bind(address, witness, clusters, wall);
    s.receiver.start();
    return s;
  }

  /** Bound but not yet reading (a test fills the socket first): {@link #startReceiving()}. */
  static WitnessDatagramServer bind(
      InetSocketAddress address,
      BuiltInWitness witness,
      List<WitnessServerConfig.Cluster> clusters,
      Clock wall) {
    List<DatagramSites.Site> all = new ArrayList<>();
    LongAdder derived = new LongAdder();
    for (WitnessServerConfig.Cluster c : clusters) {
      c.secrets()
          .forEach(
              (site, secret) -> all.add(new DatagramSites.Site(c.name(), site, secret, derived)));
    }
    DatagramSites sites = new DatagramSites(all);
    DatagramChannel ch;
    Selector sel;
    try {
      ch = DatagramChannel.open();
      ch.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
      ch.setOption(StandardSocketOptions.SO_SNDBUF, 1 << 20);
      ch.bind(address);
      ch.configureBlocking(false);
      sel = Selector.open();
      ch.register(sel, SelectionKey.OP_READ);
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
    WitnessDatagramServer s = new WitnessDatagramServer(ch, sel, witness, sites, derived, wall);
    log.info("witness datagram listener on {}/udp", s.address());
    return s;
  }

  /** Starts the receiver of a server made by {@link #bind}. */
  void startReceiving() {
    receiver.start();
  }

  /** Where it listens (the real port when started on port 0). */
  public InetSocketAddress address() {
    try {
      return (InetSocketAddress) channel.getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Site keys derived so far (each at its site's first datagram). */
  long keysDerived() {
    return keysDerived.sum();
  }

  /** The receiver thread's id (a test measures what it allocates). */
  long receiverThreadId() {
    return receiver.threadId();
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

  /** Ticket reads dropped unanswered so far because renewals took the receiver's time. */
  public long shed() {
    return shed.sum();
  }

  private void run() {
    ByteBuffer buf = ByteBuffer.allocate(WitnessDatagram.MAX_SIZE + 1);
    while (channel.isOpen()) {
      try {
        selector.select();
        selector.selectedKeys().clear();
        boolean backlog;
        do {
          backlog = round(buf);
          answerReads(backlog ? READS_PER_BACKLOGGED_ROUND : Integer.MAX_VALUE);
        } while (backlog || !reads.isEmpty());
      } catch (ClosedChannelException | ClosedSelectorException e) {
        return;
      } catch (IOException e) {
        log.warn("witness datagram listener: {}", e.getMessage());
      }
    }
  }

  /**
   * Takes up to {@link #ROUND} datagrams from the socket: renewals answered at once, reads queued.
   * Whether the round was full (more may wait in the socket).
   */
  private boolean round(ByteBuffer buf) throws IOException {
    for (int i = 0; i < ROUND; i++) {
      buf.clear();
      SocketAddress from = channel.receive(buf);
      if (from == null) {
        return false;
      }
      try {
        handle(buf.array(), buf.position(), from);
      } catch (RuntimeException e) {
        dropped.increment();
        log.error("witness datagram listener: request failed unexpectedly", e);
      }
    }
    return true;
  }

  private void answerReads(int most) {
    for (int i = 0; i < most && !reads.isEmpty(); i++) {
      DatagramSites.Site site = reads.site();
      long nonce = reads.nonce();
      SocketAddress from = reads.from();
      reads.drop();
      try {
        if (witness.observeIfImmediateVerified(site.served(witness), "observed", answer)) {
          answered.increment();
          send(
              ListenerDatagrams.answer(
                  out, site.raw(), WitnessDatagram.KIND_READ, nonce, site.names, answer),
              from);
        } else {
          later(
              site.key(),
              new WitnessDatagram.Request(
                  WitnessDatagram.KIND_READ, nonce, site.cluster, site.name, 0, 0, false),
              from);
        }
      } catch (RuntimeException e) {
        dropped.increment();
        log.error("witness datagram listener: request failed unexpectedly", e);
      }
    }
  }

  /**
   * Checks a datagram; answers a renewal (or a refusal) at once, queues a ticket read. The checks
   * and the layout are {@link WitnessDatagram#openRequest}'s, read in place: the common case (a
   * renewal or a read from a known site) allocates nothing (WitnessDatagramAllocationTest).
   */
  private void handle(byte[] d, int length, SocketAddress from) {
    int names = ListenerDatagrams.namesEnd(d, length);
    DatagramSites.Site site = names < 0 ? null : sites.find(d, ListenerDatagrams.NAMES, names);
    if (site == null || !ListenerDatagrams.macOk(d, length, site.raw())) {
      dropped.increment();
      return;
    }
    int body = length - WitnessDatagram.MAC_LENGTH - names; // bytes after the names
    byte kind = d[3];
    boolean wellFormed =
        switch (kind) {
          case WitnessDatagram.KIND_READ -> body == 0;
          case WitnessDatagram.KIND_RELEASE -> body == 8;
          case WitnessDatagram.KIND_RENEW, WitnessDatagram.KIND_ACQUIRE -> body == 13;
          default -> false;
        };
    if (!wellFormed) {
      dropped.increment();
      return;
    }
    long nonce = ListenerDatagrams.longAt(d, 4);
    byte[] key = site.raw();
    long nowMicros = wall.millis() * 1000; // ms suffice against a skew of minutes
    if (Math.abs(nonce - nowMicros) > WitnessDatagram.MAX_SKEW.toNanos() / 1000) {
      stale.increment();
      send(
          ListenerDatagrams.refusal(
              out, key, kind, nonce, site.names, WitnessDatagram.Status.SKEW, nowMicros),
          from);
      return;
    }
    long seen = site.highest;
    if (nonce <= seen) {
      stale.increment();
      send(
          ListenerDatagrams.refusal(
              out, key, kind, nonce, site.names, WitnessDatagram.Status.STALE, seen),
          from);
      return;
    }
    site.highest = nonce;
    if (kind == WitnessDatagram.KIND_READ) {
      if (reads.isFull()) {
        reads.drop();
        shed.increment();
      }
      reads.add(site, nonce, from);
      return;
    }
    long epoch = ListenerDatagrams.longAt(d, names);
    if (epoch < 0 || epoch > TicketRequest.MAX_EPOCH) {
      dropped.increment();
      return;
    }
    long ttl = kind == WitnessDatagram.KIND_RELEASE ? 0 : ListenerDatagrams.uintAt(d, names + 8);
    boolean healthy = kind != WitnessDatagram.KIND_RELEASE && (d[names + 12] & 1) != 0;
    if (kind == WitnessDatagram.KIND_ACQUIRE || kind == WitnessDatagram.KIND_RELEASE) {
      // both may persist: never on this thread
      later(site.key(), request(kind, nonce, site, epoch, ttl, healthy), from);
      return;
    }
    if (ttl <= 0) {
      dropped.increment();
      return;
    }
    if (witness.renewIfImmediateVerified(
        site.served(witness), site.name, healthy, epoch, ttl, answer)) {
      answered.increment();
      send(ListenerDatagrams.answer(out, key, kind, nonce, site.names, answer), from);
    } else {
      later(site.key(), request(kind, nonce, site, epoch, ttl, healthy), from);
    }
  }

  private static WitnessDatagram.Request request(
      byte kind, long nonce, DatagramSites.Site site, long epoch, long ttl, boolean healthy) {
    return new WitnessDatagram.Request(kind, nonce, site.cluster, site.name, epoch, ttl, healthy);
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
    send(ByteBuffer.wrap(answer), to);
  }

  private void send(ByteBuffer answer, SocketAddress to) {
    try {
      if (channel.send(answer, to) == 0) {
        dropped.increment(); // the socket's send buffer is full: lost, as on the wire
      }
    } catch (IOException e) {
      log.debug("witness datagram answer to {} not sent: {}", to, e.getMessage());
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
      selector.close();
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
