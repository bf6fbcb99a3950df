package io.tandem.app.peer;

import io.tandem.app.agent.PeerTransport;
import io.tandem.core.agent.PeerPromise;
import io.tandem.core.agent.PeerReport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The peer link over HTTP(S): {@code POST <peer>/peer/v1/report|promise-request|promise} with a
 * JSON body signed by {@link PeerAuthentication}.
 *
 * <p>Fire-and-forget: each send returns at once; the request runs on a virtual thread with a short
 * timeout. At most {@code maxInFlight} requests per peer are outstanding; beyond that new messages
 * to that peer are dropped (a slow or dead peer never piles up threads or blocks the tick), which
 * the decision loop sees as silence, the safe reading. Thread-safe.
 */
public final class HttpPeerTransport implements PeerTransport, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpPeerTransport.class);

  /** Counters for one peer; read by the status view and tests. */
  public record LinkStats(long sent, long failed, long dropped, long lastOkNanos) {}

  private final String site;
  private final Map<String, URI> peers;
  private final PeerAuthentication auth;
  private final HttpClient http;
  private final Duration timeout;
  private final LongSupplier nanos;
  private final JsonMapper json = JsonMapper.shared();
  private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<String, Semaphore> inFlight = new HashMap<>();
  private final Map<String, Counters> counters = new ConcurrentHashMap<>();

  private static final class Counters {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong lastOk = new AtomicLong(Long.MIN_VALUE);
  }

  /**
   * @param site this site (the sender)
   * @param peers each peer's base URL, e.g. {@code https://10.0.0.12:7480}
   * @param auth signs messages with the cluster's peer secret
   * @param http client (its TLS context decides server verification)
   * @param timeout per-request timeout, well below the tick
   * @param maxInFlight outstanding requests allowed per peer
   * @param nanos monotonic clock for the last-success stamp
   */
  public HttpPeerTransport(
      String site,
      Map<String, URI> peers,
      PeerAuthentication auth,
      HttpClient http,
      Duration timeout,
      int maxInFlight,
      LongSupplier nanos) {
    this.site = site;
    this.peers = Map.copyOf(peers);
    this.auth = auth;
    this.http = http;
    this.timeout = timeout;
    this.nanos = nanos;
    for (String p : this.peers.keySet()) {
      inFlight.put(p, new Semaphore(maxInFlight));
      counters.put(p, new Counters());
    }
  }

  @Override
  public void sendReport(String toSite, PeerReport report) {
    post(toSite, "report", PeerMessages.Report.of(report));
  }

  @Override
  public void sendPromiseRequest(String toSite, String fromSite, long sentAtNanos) {
    post(toSite, "promise-request", new PeerMessages.PromiseRequest(fromSite, sentAtNanos));
  }

  @Override
  public void sendPromise(String toSite, PeerPromise promise) {
    post(toSite, "promise", PeerMessages.Promise.of(promise));
  }

  /** The counters of the link to {@code peer}, if it is one. */
  public Optional<LinkStats> stats(String peer) {
    Counters c = counters.get(peer);
    return c == null
        ? Optional.empty()
        : Optional.of(new LinkStats(c.sent.get(), c.failed.get(), c.dropped.get(), c.lastOk.get()));
  }

  private void post(String toSite, String kind, Object message) {
    URI base = peers.get(toSite);
    if (base == null) {
      log.warn("peer link {}: no address for site '{}'", site, toSite);
      return;
    }
    Semaphore slots = inFlight.get(toSite);
    Counters c = counters.get(toSite);
    if (!slots.tryAcquire()) {
      c.dropped.incrementAndGet();
      return;
    }
    byte[] body;
    try {
      body = json.writeValueAsBytes(message);
    } catch (RuntimeException e) {
      slots.release();
      throw e;
    }
    PeerAuthentication.Signed s = auth.sign(site, kind, body);
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("/peer/v1/" + kind))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header(PeerAuthentication.SITE_HEADER, s.site())
            .header(PeerAuthentication.TIMESTAMP_HEADER, s.timestamp())
            .header(PeerAuthentication.SIGNATURE_HEADER, s.signature())
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    try {
      io.execute(() -> send(toSite, kind, request, slots, c));
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      slots.release();
    }
  }

  private void send(String toSite, String kind, HttpRequest request, Semaphore slots, Counters c) {
    try {
      HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() / 100 == 2) {
        c.sent.incrementAndGet();
        c.lastOk.set(nanos.getAsLong());
      } else {
        c.failed.incrementAndGet();
        log.debug("peer link {} -> {}: {} answered {}", site, toSite, kind, r.statusCode());
      }
    } catch (IOException e) {
      c.failed.incrementAndGet();
      log.debug("peer link {} -> {}: {} failed: {}", site, toSite, kind, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      slots.release();
    }
  }

  /** Stops sending; in-flight requests are abandoned. */
  @Override
  public void close() {
    io.shutdownNow();
  }
}
