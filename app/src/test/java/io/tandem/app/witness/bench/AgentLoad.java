package io.tandem.app.witness.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * What agents send to a witness reached through a blocking client (the etcd witnesses), one virtual
 * thread per site, on the ticks of an {@link AgentProfile} (each site with its own phase): the
 * holder first acquires, then renews when its renewal is due ({@code TicketHolder}'s rule: every
 * renewInterval from the last send, a third of it after an unanswered one) and otherwise polls only
 * if the profile says so; the standby polls every {@code standbyPoll}. A site has one request in
 * flight at a time (the built-in witness's generator, {@link HttpLoad}, overlaps them as the agent
 * does). An answer slower than the profile's {@code retryTimeout} is a timeout. Latencies are
 * recorded only inside the measurement window.
 */
final class AgentLoad {

  /** The three things an agent asks. */
  enum Op {
    ACQUIRE,
    RENEW,
    TICKET
  }

  /** How an ask ended. */
  enum Outcome {
    OK,
    REFUSED,
    SHED,
    TIMEOUT,
    ERROR
  }

  /** One site's access to the witness under test (HTTP, or an etcd client). */
  interface Backend {
    /** Connects (the TLS handshake, for HTTP); a failure is retried on the next tick. */
    default void connect(Site site) throws Exception {}

    Outcome acquire(Site site) throws Exception;

    Outcome renew(Site site) throws Exception;

    Outcome ticket(Site site) throws Exception;

    default void close(Site site) {}
  }

  /** A site of a cluster; the holder is site {@code alpha}. */
  static final class Site {
    final String cluster;
    final String name;
    final String secret;
    final boolean holder;
    long epoch;
    Object connection;

    Site(String cluster, String name, String secret, boolean holder) {
      this.cluster = cluster;
      this.name = name;
      this.secret = secret;
      this.holder = holder;
    }
  }

  private final AgentProfile profile;
  private final Backend backend;
  private final List<Site> sites;
  private final Duration ramp;
  private volatile boolean stop;
  private volatile long windowStart = Long.MAX_VALUE;
  private volatile long windowEnd = Long.MAX_VALUE;
  private final Map<Op, List<long[]>> latencies = new EnumMap<>(Op.class);
  private final Map<Op, Map<Outcome, LongAdder>> outcomes = new EnumMap<>(Op.class);
  private final List<Thread> threads = new ArrayList<>();
  private final LongAdder connectFailures = new LongAdder();
  private final java.util.concurrent.atomic.AtomicReference<String> firstConnectFailure =
      new java.util.concurrent.atomic.AtomicReference<>();
  private final java.util.concurrent.atomic.AtomicReference<String> firstError =
      new java.util.concurrent.atomic.AtomicReference<>();

  AgentLoad(AgentProfile profile, Backend backend, List<Site> sites, Duration ramp) {
    this.profile = profile;
    this.backend = backend;
    this.sites = sites;
    this.ramp = ramp;
    for (Op op : Op.values()) {
      latencies.put(op, java.util.Collections.synchronizedList(new ArrayList<>()));
      Map<Outcome, LongAdder> m = new EnumMap<>(Outcome.class);
      for (Outcome o : Outcome.values()) {
        m.put(o, new LongAdder());
      }
      outcomes.put(op, m);
    }
  }

  void start() {
    SplittableRandom random = new SplittableRandom(17);
    long t0 = System.nanoTime();
    for (Site s : sites) {
      long connectAt = t0 + (long) (random.nextDouble() * ramp.toNanos());
      long phase = random.nextLong(profile.tick().toNanos());
      threads.add(Thread.ofVirtual().start(() -> run(s, connectAt, phase)));
    }
  }

  /** Starts recording now, for {@code window}. */
  void measure(Duration window) {
    long now = System.nanoTime();
    windowStart = now;
    windowEnd = now + window.toNanos();
  }

  void stop() throws InterruptedException {
    stop = true;
    for (Thread t : threads) {
      t.join(10_000);
    }
  }

  private void run(Site s, long connectAt, long phase) {
    long tickNanos = profile.tick().toNanos();
    long renew = profile.ticksOf(profile.renewInterval()) * tickNanos;
    long retry = profile.ticksOf(profile.renewInterval().dividedBy(3)) * tickNanos;
    long poll = profile.ticksOf(profile.standbyPoll()) * tickNanos;
    park(connectAt - tickNanos + phase);
    long[] buf = new long[256];
    int n = 0;
    Op bufOp = null;
    long lastSent = Long.MIN_VALUE / 2;
    boolean answered = true;
    long tick = connectAt + phase;
    boolean granted = !s.holder;
    while (!stop) {
      park(tick);
      long now = tick;
      tick += s.holder ? tickNanos : poll;
      long late = System.nanoTime() - tick;
      if (late > 0) {
        // the last request took longer than a tick: the agent's next tick does not send another
        // (a request in flight), so skip the missed ticks rather than catch up in a burst
        tick += (late / tickNanos + 1) * tickNanos;
      }
      if (stop) {
        break;
      }
      Op op;
      if (!granted) {
        op = Op.ACQUIRE;
      } else if (s.holder && now - lastSent >= (answered ? renew : retry)) {
        op = Op.RENEW;
        lastSent = now;
      } else if (!s.holder || profile.holderPolls()) {
        op = Op.TICKET;
      } else {
        continue;
      }
      long sent = System.nanoTime();
      if (s.connection == null) {
        // as HttpClient does: connect when there is a request to send, then send it at once;
        // the connection (TCP + TLS handshake) is not part of the request's latency
        try {
          backend.connect(s);
        } catch (Exception e) {
          connectFailures.increment();
          firstConnectFailure.compareAndSet(null, e.toString());
          continue; // try again next tick
        }
        sent = System.nanoTime();
      }
      Outcome o;
      try {
        o =
            switch (op) {
              case ACQUIRE -> backend.acquire(s);
              case RENEW -> backend.renew(s);
              case TICKET -> backend.ticket(s);
            };
      } catch (java.net.SocketTimeoutException e) {
        o = Outcome.TIMEOUT;
        backend.close(s); // as HttpClient drops a connection whose request timed out
      } catch (Exception e) {
        o = Outcome.ERROR;
        firstError.compareAndSet(null, op + ": " + e);
        backend.close(s);
      }
      long done = System.nanoTime();
      if (o == null) {
        continue; // the backend makes no request for this (bare leases do not poll)
      }
      if (done - sent > profile.retryTimeout().toNanos() && o == Outcome.OK) {
        o = Outcome.TIMEOUT; // the agent gave up after retryTimeout
      }
      if (op == Op.ACQUIRE && o == Outcome.OK) {
        granted = true;
        lastSent = now;
        answered = true;
      } else if (op == Op.RENEW) {
        answered = o == Outcome.OK;
      }
      if (sent - windowStart >= 0 && sent - windowEnd < 0) {
        outcomes.get(op).get(o).increment();
        if (o == Outcome.OK || o == Outcome.REFUSED) {
          if (bufOp != op || n == buf.length) {
            flush(bufOp, buf, n);
            buf = new long[256];
            n = 0;
            bufOp = op;
          }
          buf[n++] = done - sent;
        }
      }
    }
    flush(bufOp, buf, n);
    backend.close(s);
  }

  private void flush(Op op, long[] buf, int n) {
    if (op != null && n > 0) {
      latencies.get(op).add(Arrays.copyOf(buf, n));
    }
  }

  private static void park(long until) {
    for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  /** Figures of the window: per op and overall, latencies in ms. */
  Map<String, Object> figures(Duration window) {
    Map<String, Object> f = new LinkedHashMap<>();
    long answered = 0;
    List<long[]> everything = new ArrayList<>();
    for (Op op : Op.values()) {
      Map<String, Object> o = new LinkedHashMap<>();
      outcomes.get(op).forEach((k, v) -> o.put(k.name().toLowerCase(), v.sum()));
      long[] all = merge(latencies.get(op));
      everything.add(all);
      o.putAll(percentiles(all));
      f.put(op.name().toLowerCase(), o);
      answered += all.length;
    }
    long total = 0;
    for (Op op : Op.values()) {
      for (LongAdder a : outcomes.get(op).values()) {
        total += a.sum();
      }
    }
    f.put("requests_per_s", round(total / (window.toNanos() / 1e9)));
    f.put("answered_per_s", round(answered / (window.toNanos() / 1e9)));
    f.put("all", percentiles(merge(everything)));
    f.put("connect_failures", connectFailures.sum());
    if (firstError.get() != null) {
      f.put("first_error", firstError.get());
    }
    if (firstConnectFailure.get() != null) {
      f.put("first_connect_failure", firstConnectFailure.get());
    }
    return f;
  }

  private static long[] merge(List<long[]> parts) {
    synchronized (parts) {
      int size = parts.stream().mapToInt(a -> a.length).sum();
      long[] all = new long[size];
      int i = 0;
      for (long[] a : parts) {
        System.arraycopy(a, 0, all, i, a.length);
        i += a.length;
      }
      Arrays.sort(all);
      return all;
    }
  }

  static Map<String, Object> percentiles(long[] sorted) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("answers", sorted.length);
    if (sorted.length == 0) {
      return p;
    }
    p.put("p50_ms", ms(sorted, 0.50));
    p.put("p99_ms", ms(sorted, 0.99));
    p.put("p999_ms", ms(sorted, 0.999));
    p.put("max_ms", round(sorted[sorted.length - 1] / 1e6));
    return p;
  }

  private static double ms(long[] sorted, double q) {
    int i = (int) Math.min(sorted.length - 1, Math.floor(q * sorted.length));
    return round(sorted[i] / 1e6);
  }

  static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
