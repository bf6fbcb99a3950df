package io.tandem.app.witness;

import io.tandem.core.error.TransientException;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.Witness;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent-side client of the built-in witness that renews and reads the ticket with authenticated UDP
 * datagrams ({@link WitnessDatagram}) and does everything else over HTTPS ({@link HttpWitness}).
 *
 * <p>Each renewal or read is one datagram with a fresh nonce, answered or not within the call's
 * timeout: a lost datagram costs that call only, the next one (the ticket holder resends every tick
 * once a renewal is overdue) is independent of it — no connection to stall or re-open. While no
 * authenticated datagram answer arrived for {@code fallbackAfter} (two timeouts; also before the
 * first answer, and for a minute after the witness said the clocks differ by more than {@link
 * WitnessDatagram#MAX_SKEW}), each call also goes over HTTPS and the first answer wins, so a
 * witness without the datagram listener, or a firewall that drops UDP, costs nothing but the HTTPS
 * path's own behaviour. Thread-safe; {@link #close()} stops the receiver.
 */
public final class DatagramWitness implements Witness {

  private static final Logger log = LoggerFactory.getLogger(DatagramWitness.class);

  /** Silence after which the fallback is logged (it starts after two timeouts, unlogged). */
  private static final long SAY_SILENCE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final HttpWitness https;
  private final URI base;
  private final String site;
  private final Supplier<String> siteSecret;
  private final Duration timeout;
  private final long fallbackAfterNanos;
  private final Clock wall;
  private final int port;
  private final DatagramChannel channel;
  private volatile InetSocketAddress target;
  private final java.util.function.Predicate<URI> linkUp;
  private final Thread receiver;
  private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicLong lastNonce = new AtomicLong();
  private final LongAdder sent = new LongAdder();
  private final LongAdder answers = new LongAdder();
  private final LongAdder viaHttps = new LongAdder();
  private volatile long lastAnswerNanos;
  private volatile boolean everAnswered;
  private volatile long skewUntilNanos;
  private volatile boolean fallingBack;
  private final long createdNanos = System.nanoTime();

  private record Pending(SecretKeySpec key, CompletableFuture<WitnessDatagram.Answer> answer) {}

  /**
   * @param https the HTTPS client of the same witness and site (forced acquire, probe, fallback)
   * @param base the witness's URL: datagrams go to its host and port number over UDP
   * @param site this agent's site
   * @param siteSecret this site's secret, resolved at each call (rotation friendly)
   * @param timeout per-call timeout, as the HTTPS client's
   */
  public DatagramWitness(
      HttpWitness https, URI base, String site, Supplier<String> siteSecret, Duration timeout) {
    this(https, base, site, siteSecret, timeout, Clock.systemUTC());
  }

  DatagramWitness(
      HttpWitness https,
      URI base,
      String site,
      Supplier<String> siteSecret,
      Duration timeout,
      Clock wall) {
    this(https, base, site, siteSecret, timeout, wall, target -> true);
  }

  /**
   * As the public constructor, on a management network that may drop the datagrams ({@link
   * ManagementLink}: the lab's simulated network).
   */
  public DatagramWitness(
      HttpWitness https,
      URI base,
      String site,
      Supplier<String> siteSecret,
      Duration timeout,
      ManagementLink link) {
    this(https, base, site, siteSecret, timeout, Clock.systemUTC(), link::reaches);
  }

  private DatagramWitness(
      HttpWitness https,
      URI base,
      String site,
      Supplier<String> siteSecret,
      Duration timeout,
      Clock wall,
      java.util.function.Predicate<URI> linkUp) {
    this.linkUp = linkUp;
    this.https = https;
    this.base = base;
    this.site = site;
    this.siteSecret = siteSecret;
    this.timeout = timeout;
    this.fallbackAfterNanos = 2 * timeout.toNanos();
    this.wall = wall;
    this.port = base.getPort() > 0 ? base.getPort() : "https".equals(base.getScheme()) ? 443 : 80;
    try {
      // not connected: a witness listening on a wildcard address may answer from another of its
      // addresses; answers are matched by nonce and authenticated by their MAC, not by source
      this.channel = DatagramChannel.open();
      channel.bind(null);
    } catch (IOException | RuntimeException e) {
      throw new TransientException(
          "witness " + base + ": cannot open a datagram socket (" + e.getMessage() + ")", e);
    }
    this.receiver = Thread.ofPlatform().name("witness-datagrams-" + site).daemon().start(this::run);
  }

  /** A forced acquire goes over HTTPS only (the witness refuses one as a datagram). */
  @Override
  public TicketResult acquire(TicketRequest request) {
    if (request.force() || !request.site().equals(site)) {
      return https.acquire(request);
    }
    return call(
        request.cluster(),
        (key, nonce) ->
            WitnessDatagram.acquire(
                key,
                nonce,
                request.cluster(),
                site,
                request.epoch(),
                request.ttl().toMillis(),
                request.healthy()),
        () -> https.acquire(request));
  }

  /**
   * A renewal waits for its datagram's answer up to the TTL it asks for, not just the call timeout:
   * the holder takes its deadline from the send time, so a late grant is as safe as a prompt one,
   * and one that comes after the retry timeout (a host whose threads wait for a CPU, at the fast
   * timings' 100 ms) still keeps the ticket; after the TTL it could extend nothing. The HTTPS
   * fallback keeps its own timeout.
   */
  @Override
  public TicketResult renew(TicketRequest request) {
    Duration ttl = request.ttl();
    return call(
        ttl.compareTo(timeout) > 0 ? ttl : timeout,
        request.cluster(),
        (key, nonce) ->
            WitnessDatagram.renew(
                key,
                nonce,
                request.cluster(),
                site,
                request.epoch(),
                request.ttl().toMillis(),
                request.healthy()),
        () -> https.renew(request));
  }

  @Override
  public void release(String cluster, String site, long epoch) {
    if (!site.equals(this.site)) {
      https.release(cluster, site, epoch);
      return;
    }
    call(
        cluster,
        (key, nonce) -> WitnessDatagram.release(key, nonce, cluster, site, epoch),
        () -> {
          https.release(cluster, site, epoch);
          return TicketResult.refused(null, "released");
        });
  }

  /**
   * True: the server is the built-in witness (one lock per cluster, rule 2); a lost datagram is
   * what a resend is for.
   */
  @Override
  public boolean answersConcurrentAcquiresAlike() {
    return true;
  }

  @Override
  public Optional<Ticket> observe(String cluster) {
    return call(
            cluster,
            (key, nonce) -> WitnessDatagram.read(key, nonce, cluster, site),
            () -> TicketResult.refused(https.observe(cluster).orElse(null), "observed"))
        .current();
  }

  /** The HTTPS client this one uses for everything but renewals and reads. */
  public HttpWitness https() {
    return https;
  }

  /** SIP OPTIONS from the witness's position (HTTPS): see {@link HttpWitness#probe}. */
  public WitnessWire.ProbeAnswer probe(
      String cluster, String hostPort, String transport, Duration probeTimeout) {
    return https.probe(cluster, hostPort, transport, probeTimeout);
  }

  /**
   * Counts so far: datagrams sent, authenticated answers received, calls that also went over HTTPS.
   */
  public List<Long> counts() {
    return List.of(sent.sum(), answers.sum(), viaHttps.sum());
  }

  private interface Encoder {
    byte[] encode(SecretKeySpec key, long nonce);
  }

  private TicketResult call(String cluster, Encoder encoder, Supplier<TicketResult> overHttps) {
    return call(timeout, cluster, encoder, overHttps);
  }

  /** A call whose datagram answer is awaited for {@code wait}. */
  private TicketResult call(
      Duration wait, String cluster, Encoder encoder, Supplier<TicketResult> overHttps) {
    long start = System.nanoTime();
    long end = start + wait.toNanos();
    SecretKeySpec key =
        WitnessDatagram.key(siteSecret.get().getBytes(StandardCharsets.UTF_8), cluster, site);
    boolean both = silent(start);
    CompletableFuture<TicketResult> first = new CompletableFuture<>();
    AtomicInteger left = new AtomicInteger(both ? 2 : 1);
    CompletableFuture.supplyAsync(() -> viaDatagram(key, encoder, end, wait), calls)
        .whenComplete((v, e) -> settle(first, left, v, e));
    if (both) {
      viaHttps.increment();
      CompletableFuture.supplyAsync(overHttps, calls)
          .whenComplete((v, e) -> settle(first, left, v, e));
    }
    try {
      return first.get(Math.max(0, end - System.nanoTime()) + 50_000_000L, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("interrupted while talking to witness " + base, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new TransientException("witness " + base + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new TransientException(
          "witness " + base + " unreachable: no answer within " + wait.toMillis() + " ms", e);
    }
  }

  private static void settle(
      CompletableFuture<TicketResult> first, AtomicInteger left, TicketResult v, Throwable e) {
    if (e == null) {
      first.complete(v);
    } else if (left.decrementAndGet() == 0) {
      first.completeExceptionally(
          e instanceof java.util.concurrent.CompletionException c ? c.getCause() : e);
    }
  }

  /** One datagram, and one more if the witness answered STALE (this agent's clock went back). */
  private TicketResult viaDatagram(SecretKeySpec key, Encoder encoder, long end, Duration wait) {
    for (int attempt = 0; attempt < 2; attempt++) {
      long nonce = nextNonce();
      Pending p = new Pending(key, new CompletableFuture<>());
      pending.put(nonce, p);
      try {
        if (linkUp.test(base)) {
          channel.send(ByteBuffer.wrap(encoder.encode(key, nonce)), target());
        } // else: dropped on the way, as a cut route drops it; the call times out
        sent.increment();
        WitnessDatagram.Answer a =
            p.answer().get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        switch (a.status()) {
          case RESULT -> {
            return a.result();
          }
          case STALE -> lastNonce.accumulateAndGet(a.value(), Math::max);
          case SKEW -> {
            skewUntilNanos = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            log.warn(
                "witness {}: refuses this agent's datagrams: the clocks differ by more than {}"
                    + " minutes (witness {}); renewing over HTTPS until they agree",
                base,
                WitnessDatagram.MAX_SKEW.toMinutes(),
                Instant.EPOCH.plus(a.value(), ChronoUnit.MICROS));
            throw new TransientException("witness " + base + ": clock skew");
          }
        }
      } catch (IOException e) {
        throw new TransientException(
            "witness " + base + " unreachable (datagram): " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TransientException("interrupted while talking to witness " + base, e);
      } catch (ExecutionException | TimeoutException e) {
        throw new TransientException(
            "witness " + base + ": no datagram answer within " + wait.toMillis() + " ms", e);
      } finally {
        pending.remove(nonce);
      }
    }
    throw new TransientException("witness " + base + ": datagram nonce refused twice");
  }

  /** The witness's address, resolved again while its name does not resolve. */
  private InetSocketAddress target() {
    InetSocketAddress t = target;
    if (t == null || t.isUnresolved()) {
      t = new InetSocketAddress(base.getHost(), port);
      target = t;
    }
    if (t.isUnresolved()) {
      throw new TransientException("witness " + base + ": " + base.getHost() + " does not resolve");
    }
    return t;
  }

  private long nextNonce() {
    long now = ChronoUnit.MICROS.between(Instant.EPOCH, wall.instant());
    return lastNonce.updateAndGet(last -> Math.max(last + 1, now));
  }

  /** Whether calls should also go over HTTPS now. */
  private boolean silent(long now) {
    boolean silent =
        !everAnswered || now - lastAnswerNanos > fallbackAfterNanos || now - skewUntilNanos < 0;
    if (!everAnswered && !fallingBack && now - createdNanos > SAY_SILENCE_NANOS) {
      fallingBack = true;
      log.warn(
          "witness {}: no datagram answered yet; renewing over HTTPS (is UDP port {} open, and"
              + " the witness started without --no-datagrams?)",
          base,
          port);
    }
    // said once the silence is long enough to be a broken path, not a few lost datagrams
    if (silent && everAnswered && !fallingBack && now - lastAnswerNanos > SAY_SILENCE_NANOS) {
      fallingBack = true;
      log.warn(
          "witness {}: no datagram answer for {} ms; renewing over HTTPS as well",
          base,
          (now - lastAnswerNanos) / 1_000_000);
    }
    return silent;
  }

  private void run() {
    ByteBuffer buf = ByteBuffer.allocate(WitnessDatagram.MAX_SIZE + 1);
    while (channel.isOpen()) {
      try {
        buf.clear();
        channel.receive(buf);
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        continue; // e.g. ICMP port unreachable from a witness without the listener
      }
      int n = buf.position();
      if (n < 12) {
        continue;
      }
      long nonce = ByteBuffer.wrap(buf.array(), 4, 8).getLong();
      Pending p = pending.get(nonce);
      if (p == null) {
        continue;
      }
      Optional<WitnessDatagram.Answer> a = WitnessDatagram.openAnswer(buf.array(), n, p.key());
      if (a.isEmpty() || a.get().nonce() != nonce || !a.get().site().equals(site)) {
        continue; // not authenticated by this site's key: ignored, the call times out
      }
      answers.increment();
      if (a.get().status() == WitnessDatagram.Status.RESULT) {
        lastAnswerNanos = System.nanoTime();
        everAnswered = true;
        if (fallingBack) {
          fallingBack = false;
          log.info("witness {}: datagrams answered again", base);
        }
      }
      p.answer().complete(a.get());
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("witness datagram socket close: {}", e.getMessage());
    }
    calls.shutdownNow();
    https.close();
  }
}
