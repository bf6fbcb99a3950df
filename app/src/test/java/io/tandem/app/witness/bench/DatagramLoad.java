package io.tandem.app.witness.bench;

import io.tandem.app.witness.WitnessDatagramCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The datagram load generator for the built-in witness: every site sends what its agent's {@code
 * DatagramWitness} sends (the product's own encoder, {@link WitnessDatagramCodec}; {@code
 * DatagramLoadTest} holds the bytes equal) on the agent's schedule ({@link AgentProfile}: the
 * holder renews every {@code renewInterval} and resends every third of it while unanswered, the
 * standby reads the ticket every {@code standbyPoll}); a request unanswered after {@code
 * retryTimeout} is lost, as {@code DatagramWitness} gives its call up then.
 *
 * <p><b>Open loop.</b> Every send has a scheduled time (a 1 ms slot of a timing wheel) fixed by the
 * agent's rule, whatever the witness does; latency is measured from that scheduled time, so a
 * generator or witness that falls behind shows as latency (no coordinated omission), and each send
 * later than {@link #LATE} after its slot is counted ({@code generator_late_sends}, with the
 * lateness quantiles): a level whose generator was late measures the generator, not the witness.
 *
 * <p><b>Cheap by construction</b>, so one core drives 20,000 sites: one platform thread per
 * generator CPU ({@code -Dbench.generatorThreads}, default the JVM's available processors; the
 * script pins the JVM to CPU 0), each owning a share of the sites, a non-blocking {@link
 * DatagramChannel} and a {@link Selector}; no allocation per datagram. A site's request is encoded
 * once by the product's encoder; each send patches the nonce into that template and recomputes the
 * 16-byte MAC with the site's own pre-keyed {@code Mac} (HMAC-SHA256, as {@code WitnessDatagram}
 * seals) — byte for byte what the encoder gives for that nonce ({@code DatagramLoadTest}). Answers
 * are matched to their request by nonce (binary search of the thread's ring of sends, whose nonces
 * grow), one in {@link #VERIFY_EVERY} with its MAC checked as the agent checks every one. Nonces
 * come from one counter per thread above the wall clock in µs, strictly increasing per site, as
 * each agent's are. A few sockets are shared by all sites (the witness answers to whichever address
 * a datagram came from and keys its replay check by site, not by address; 20,000 sockets would not
 * fit this machine's open-file limit).
 */
final class DatagramLoad implements AutoCloseable {

  private static final int SOCKETS_PER_THREAD = 1; // each empty read of a drain is a system call
  private static final int WHEEL = 1024; // 1 ms slots: every re-schedule is < 1 s ahead
  private static final long SLOT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final int RING = 1 << 18; // sends in flight per thread (> 107,000/s × 0.5 s)
  private static final int MAC_LENGTH = 16;
  private static final int DRAIN_EVERY = 64; // sends between two reads of the answers

  /** One answer in this many has its MAC checked. */
  private static final int VERIFY_EVERY = 8;

  /** A send later than this after its scheduled slot began counts as late. */
  static final long LATE = TimeUnit.MILLISECONDS.toNanos(2);

  /** A site of a cluster; the holder is site {@code alpha}. */
  static final class Site {
    final String cluster;
    final String name;
    final boolean holder;
    final SecretKeySpec key;
    final int statusOffset;
    final long epoch;
    private byte[] renewTemplate;
    private byte[] readTemplate;
    private Mac mac;
    private final byte[] full = new byte[32];
    long lastSent; // scheduled time of the last renewal sent
    boolean answered; // a granted answer came since the last renewal was sent

    Site(String cluster, String name, String secret, boolean holder, long epoch) {
      this.cluster = cluster;
      this.name = name;
      this.holder = holder;
      this.epoch = epoch;
      this.key = WitnessDatagramCodec.key(secret, cluster, name);
      this.statusOffset = WitnessDatagramCodec.statusOffset(cluster, name);
    }

    /**
     * Writes this site's {@code op} datagram with {@code nonce} into {@code out} (from 0), returns
     * its length: the product encoder's bytes with the nonce patched in and the MAC recomputed.
     */
    int encode(AgentLoad.Op op, long nonce, Duration ttl, byte[] out) {
      if (mac == null) {
        try {
          mac = Mac.getInstance("HmacSHA256");
          mac.init(key);
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException(e);
        }
        renewTemplate = datagram(this, AgentLoad.Op.RENEW, 0, ttl);
        readTemplate = datagram(this, AgentLoad.Op.TICKET, 0, ttl);
      }
      byte[] t = op == AgentLoad.Op.RENEW ? renewTemplate : readTemplate;
      int n = t.length;
      System.arraycopy(t, 0, out, 0, n - MAC_LENGTH);
      for (int i = 0; i < 8; i++) {
        out[4 + i] = (byte) (nonce >>> (56 - 8 * i));
      }
      try {
        mac.update(out, 0, n - MAC_LENGTH);
        mac.doFinal(full, 0);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
      System.arraycopy(full, 0, out, n - MAC_LENGTH, MAC_LENGTH);
      return n;
    }

    /** Whether {@code d[0..n)} carries a right MAC under this site's key (as the agent checks). */
    boolean macOk(byte[] d, int n) {
      if (n < 12 + MAC_LENGTH) {
        return false;
      }
      try {
        mac.update(d, 0, n - MAC_LENGTH);
        mac.doFinal(full, 0);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
      int diff = 0; // constant time, as MessageDigest.isEqual
      for (int i = 0; i < MAC_LENGTH; i++) {
        diff |= full[i] ^ d[n - MAC_LENGTH + i];
      }
      return diff == 0;
    }
  }

  /**
   * What the site's agent sends for {@code op} with {@code nonce}: {@code DatagramWitness.renew} of
   * a healthy holder asking for {@code ttl}, or {@code DatagramWitness.observe}.
   */
  static byte[] datagram(Site s, AgentLoad.Op op, long nonce, Duration ttl) {
    return op == AgentLoad.Op.RENEW
        ? WitnessDatagramCodec.renew(s.key, nonce, s.cluster, s.name, s.epoch, ttl.toMillis(), true)
        : WitnessDatagramCodec.read(s.key, nonce, s.cluster, s.name);
  }

  private final AgentProfile profile;
  private final List<Sender> senders = new ArrayList<>();
  private final long startedAt = System.nanoTime();
  private volatile long windowStart = Long.MAX_VALUE;
  private volatile long windowEnd = Long.MAX_VALUE;
  private volatile boolean stopped;
  private final boolean echo;

  DatagramLoad(AgentProfile profile, List<Site> sites, InetSocketAddress witness)
      throws IOException {
    this(profile, sites, witness, threads(), false);
  }

  /**
   * With {@code echo}, the target sends each datagram back as it came ({@link UdpEcho}, to prove
   * the generator itself): a request counts as its own answer (its MAC is still checked).
   */
  DatagramLoad(
      AgentProfile profile, List<Site> sites, InetSocketAddress witness, int threads, boolean echo)
      throws IOException {
    this.profile = profile;
    this.echo = echo;
    for (int t = 0; t < threads; t++) {
      List<Site> mine = new ArrayList<>();
      for (int i = t; i < sites.size(); i += threads) {
        mine.add(sites.get(i));
      }
      senders.add(new Sender(t, mine, witness));
    }
  }

  static int threads() {
    return Integer.getInteger("bench.generatorThreads", Runtime.getRuntime().availableProcessors());
  }

  /** Starts every site at a random phase of its first period, each sender on its own thread. */
  void start() {
    long t0 = System.nanoTime();
    for (Sender s : senders) {
      s.thread =
          Thread.ofPlatform().name("datagram-load-" + s.id).daemon(true).start(() -> s.run(t0));
    }
  }

  /** CPU time (user + kernel) of the sender threads so far, in nanoseconds. */
  long threadCpuNanos() {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (Sender s : senders) {
      sum += Math.max(0, mx.getThreadCpuTime(s.thread.threadId()));
    }
    return sum;
  }

  /** Whether every sender has run its slots up to {@code after} past the window's start. */
  boolean scheduledPast(Duration after) {
    long until = windowStart + after.toNanos();
    for (Sender s : senders) {
      if (s.t0 + s.cursor * SLOT_NANOS < until) {
        return false;
      }
    }
    return windowStart != Long.MAX_VALUE;
  }

  /** Starts recording now, for {@code window}. */
  void measure(Duration window) {
    long now = System.nanoTime();
    windowEnd = now + window.toNanos();
    windowStart = now;
  }

  private boolean inWindow(long at) {
    return at >= windowStart && at < windowEnd;
  }

  private long standbyPeriod() {
    return profile.ticksOf(profile.standbyPoll()) * profile.tick().toNanos();
  }

  // counts[op]: 0 sent, 1 answered OK, 2 answered refused, 3 answered STALE/SKEW, 4 lost
  private static final int SENT = 0;
  private static final int OK = 1;
  private static final int REFUSED = 2;
  private static final int NOT_RESULT = 3;
  private static final int LOST = 4;

  /** One generator thread: its sites, sockets, timing wheel and ring of sends in flight. */
  private final class Sender {
    final int id;
    final List<Site> sites;
    final List<DatagramChannel> channels = new ArrayList<>();
    final Selector selector;
    final int[][] wheel = new int[WHEEL][];
    final int[] wheelSize = new int[WHEEL];
    // the ring of sends, in nonce order
    final long[] nonces = new long[RING];
    final int[] siteOf = new int[RING];
    final long[] scheduled = new long[RING];
    final long[] sentAt = new long[RING];
    final boolean[] renewal = new boolean[RING];
    final boolean[] done = new boolean[RING];
    long head;
    long tail;
    long lastNonce;
    final byte[] out = new byte[1200];
    final byte[] in = new byte[1200];
    final ByteBuffer outBuf = ByteBuffer.allocateDirect(1200);
    final ByteBuffer inBuf = ByteBuffer.allocateDirect(1200);
    final Map<AgentLoad.Op, LatencyHistogram> latency = new EnumMap<>(AgentLoad.Op.class);
    final Map<AgentLoad.Op, LatencyHistogram> fromSend = new EnumMap<>(AgentLoad.Op.class);
    final LatencyHistogram lateness = new LatencyHistogram();
    final Map<AgentLoad.Op, long[]> counts = new EnumMap<>(AgentLoad.Op.class);
    long lateSends;
    long sends;
    long badAnswers;
    long answersSeen;
    long ringFull;
    long sendErrors;
    Thread thread;
    final CountDownLatch ended = new CountDownLatch(1);
    volatile long t0;
    volatile long cursor; // the next slot to run, in ms since t0

    Sender(int id, List<Site> sites, InetSocketAddress witness) throws IOException {
      this.id = id;
      this.sites = sites;
      this.selector = Selector.open();
      for (AgentLoad.Op op : AgentLoad.Op.values()) {
        latency.put(op, new LatencyHistogram());
        fromSend.put(op, new LatencyHistogram());
        counts.put(op, new long[5]);
      }
      for (int i = 0; i < SOCKETS_PER_THREAD; i++) {
        DatagramChannel c = DatagramChannel.open();
        c.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        c.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
        c.bind(new InetSocketAddress("127.0.0.1", 0));
        c.connect(witness);
        c.configureBlocking(false);
        c.register(selector, SelectionKey.OP_READ);
        channels.add(c);
      }
      for (int i = 0; i < WHEEL; i++) {
        wheel[i] = new int[16];
      }
    }

    void run(long start) {
      t0 = start;
      SplittableRandom random = new SplittableRandom(17 + id);
      long renewMs = profile.renewInterval().toMillis();
      for (int i = 0; i < sites.size(); i++) {
        Site s = sites.get(i);
        long periodMs = s.holder ? renewMs : standbyPeriod() / SLOT_NANOS;
        long first = 1 + random.nextLong(periodMs);
        s.lastSent = t0 - TimeUnit.MILLISECONDS.toNanos(periodMs);
        s.answered = true;
        add(first, i);
      }
      cursor = 1;
      try {
        while (!stopped) {
          long now = System.nanoTime();
          while (!stopped && t0 + cursor * SLOT_NANOS <= now) {
            runSlot(cursor);
            cursor++;
          }
          drain();
          expire(System.nanoTime());
          long wait = t0 + cursor * SLOT_NANOS - System.nanoTime();
          if (wait > 0) {
            // epoll waits in whole ms: wake at the slot's start or just after it
            selector.select(Math.max(1, (wait + SLOT_NANOS - 1) / SLOT_NANOS));
            selector.selectedKeys().clear();
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } finally {
        ended.countDown();
      }
    }

    private void add(long slot, int site) {
      int w = (int) (slot & (WHEEL - 1));
      if (wheelSize[w] == wheel[w].length) {
        wheel[w] = Arrays.copyOf(wheel[w], 2 * wheel[w].length);
      }
      wheel[w][wheelSize[w]++] = site;
    }

    /** Runs every site due in {@code slot} (ms since t0), at its scheduled time. */
    private void runSlot(long slot) throws IOException {
      int w = (int) (slot & (WHEEL - 1));
      int n = wheelSize[w];
      int[] due = wheel[w]; // every re-schedule lands in another slot: this one stays as read
      wheelSize[w] = 0;
      long at = t0 + slot * SLOT_NANOS;
      long standbyMs = standbyPeriod() / SLOT_NANOS;
      long tickNanos = profile.tick().toNanos();
      long retryMs = profile.ticksOf(profile.renewInterval().dividedBy(3)) * tickNanos / SLOT_NANOS;
      long renewNanos = profile.ticksOf(profile.renewInterval()) * tickNanos;
      long retryNanos = retryMs * SLOT_NANOS;
      for (int k = 0; k < n; k++) {
        int i = due[k];
        Site s = sites.get(i);
        if (!s.holder) {
          send(i, s, AgentLoad.Op.TICKET, at);
          add(slot + standbyMs, i);
        } else if (at - s.lastSent >= (s.answered ? renewNanos : retryNanos)) {
          // TicketHolder.renewalDue: every renewInterval, every third of it while unanswered
          send(i, s, AgentLoad.Op.RENEW, at);
          s.lastSent = at;
          s.answered = false;
          add(slot + retryMs, i);
        } else {
          long next = s.lastSent + (s.answered ? renewNanos : retryNanos);
          add(Math.max(slot + 1, (next - t0) / SLOT_NANOS), i);
        }
        if (k % DRAIN_EVERY == DRAIN_EVERY - 1) {
          drain();
        }
      }
    }

    private void send(int i, Site s, AgentLoad.Op op, long at) throws IOException {
      if (head - tail == RING) {
        ringFull++;
        return;
      }
      long nonce = nextNonce();
      int n = s.encode(op, nonce, profile.ttl(), out);
      outBuf.clear();
      outBuf.put(out, 0, n).flip();
      long now = System.nanoTime();
      int r = (int) (head & (RING - 1));
      nonces[r] = nonce;
      siteOf[r] = i;
      scheduled[r] = at;
      sentAt[r] = now;
      renewal[r] = op == AgentLoad.Op.RENEW;
      done[r] = false;
      head++;
      sends++;
      if (inWindow(at)) {
        counts.get(op)[SENT]++;
        lateness.record(now - at);
        if (now - at > LATE) {
          lateSends++;
        }
      }
      DatagramChannel c = channels.get(i % channels.size());
      if (c.write(outBuf) == 0) {
        sendErrors++; // the socket's send buffer is full: as lost
      }
    }

    /** As {@code DatagramWitness.nextNonce}: wall-clock µs, strictly increasing. */
    private long nextNonce() {
      long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
      lastNonce = Math.max(lastNonce + 1, now);
      return lastNonce;
    }

    /** Reads every answer waiting on this thread's sockets. */
    private void drain() throws IOException {
      for (DatagramChannel c : channels) {
        for (; ; ) {
          inBuf.clear();
          int n = c.read(inBuf);
          if (n <= 0) {
            break;
          }
          long now = System.nanoTime();
          inBuf.flip();
          inBuf.get(in, 0, n);
          answer(n, now);
        }
      }
    }

    private void answer(int n, long now) {
      if (n < 13 + MAC_LENGTH || (!echo && (in[3] & 0x80) == 0)) {
        badAnswers++;
        return;
      }
      long nonce = 0;
      for (int i = 4; i < 12; i++) {
        nonce = (nonce << 8) | (in[i] & 0xff);
      }
      int r = find(nonce);
      if (r < 0 || done[r]) {
        return; // answered after its call was given up (or twice): the agent ignores it too
      }
      Site s = sites.get(siteOf[r]);
      // the agent checks every answer's MAC; the generator checks one in VERIFY_EVERY (HMACs were
      // its most sampled user code in JFR) so that one core keeps 20,000 sites on schedule
      if ((++answersSeen % VERIFY_EVERY == 0 && !s.macOk(in, n)) || s.statusOffset + 1 >= n) {
        badAnswers++;
        return;
      }
      done[r] = true;
      // an echoed renewal stands for a granted answer, so the holders keep the agents' schedule
      int status = echo ? WitnessDatagramCodec.RESULT : in[s.statusOffset];
      boolean granted = echo || in[s.statusOffset + 1] == 1;
      if (renewal[r] && status == WitnessDatagramCodec.RESULT && granted) {
        s.answered = true;
      }
      if (!inWindow(scheduled[r])) {
        return;
      }
      AgentLoad.Op op = renewal[r] ? AgentLoad.Op.RENEW : AgentLoad.Op.TICKET;
      long[] c = counts.get(op);
      if (status != WitnessDatagramCodec.RESULT) {
        c[NOT_RESULT]++;
      } else if (granted || op == AgentLoad.Op.TICKET) {
        c[OK]++;
      } else {
        c[REFUSED]++;
      }
      latency.get(op).record(now - scheduled[r]);
      fromSend.get(op).record(now - sentAt[r]);
    }

    /** The ring slot of the send with {@code nonce}, or -1 (nonces grow along the ring). */
    private int find(long nonce) {
      long lo = tail;
      long hi = head - 1;
      while (lo <= hi) {
        long mid = (lo + hi) >>> 1;
        long v = nonces[(int) (mid & (RING - 1))];
        if (v < nonce) {
          lo = mid + 1;
        } else if (v > nonce) {
          hi = mid - 1;
        } else {
          return (int) (mid & (RING - 1));
        }
      }
      return -1;
    }

    /** Gives up the sends unanswered for the retry timeout, as {@code DatagramWitness} does. */
    private void expire(long now) {
      long timeout = profile.retryTimeout().toNanos();
      while (tail < head) {
        int r = (int) (tail & (RING - 1));
        if (now - sentAt[r] <= timeout) {
          break;
        }
        if (!done[r] && inWindow(scheduled[r])) {
          counts.get(renewal[r] ? AgentLoad.Op.RENEW : AgentLoad.Op.TICKET)[LOST]++;
        }
        tail++;
      }
    }
  }

  /** The window's figures (call after the window and one retry timeout more; stops the load). */
  Map<String, Object> figures(Duration window) throws InterruptedException {
    stopped = true;
    for (Sender s : senders) {
      s.selector.wakeup();
      s.ended.await(10, TimeUnit.SECONDS);
    }
    Map<String, Object> f = new LinkedHashMap<>();
    double seconds = window.toNanos() / 1e9;
    LatencyHistogram all = new LatencyHistogram();
    LatencyHistogram allFromSend = new LatencyHistogram();
    LatencyHistogram lateness = new LatencyHistogram();
    long sent = 0;
    long lost = 0;
    long late = 0;
    long bad = 0;
    long ringFull = 0;
    long sendErrors = 0;
    long slotsBehind = 0;
    for (Sender s : senders) {
      lateness.add(s.lateness);
      late += s.lateSends;
      bad += s.badAnswers;
      ringFull += s.ringFull;
      sendErrors += s.sendErrors;
      slotsBehind = Math.max(slotsBehind, (System.nanoTime() - s.t0) / SLOT_NANOS - s.cursor);
    }
    for (AgentLoad.Op op : List.of(AgentLoad.Op.RENEW, AgentLoad.Op.TICKET)) {
      long[] c = new long[5];
      LatencyHistogram h = new LatencyHistogram();
      LatencyHistogram hs = new LatencyHistogram();
      for (Sender s : senders) {
        for (int i = 0; i < 5; i++) {
          c[i] += s.counts.get(op)[i];
        }
        h.add(s.latency.get(op));
        hs.add(s.fromSend.get(op));
      }
      Map<String, Object> o = new LinkedHashMap<>(h.figures());
      o.put("from_actual_send", hs.figures());
      o.put("sent", c[SENT]);
      o.put("ok", c[OK]);
      o.put("refused", c[REFUSED]);
      o.put("stale_or_skew", c[NOT_RESULT]);
      o.put("lost", c[LOST]);
      o.put("lost_pct", c[SENT] == 0 ? 0 : AgentLoad.round(100.0 * c[LOST] / c[SENT]));
      f.put(op.name().toLowerCase(Locale.ROOT), o);
      all.add(h);
      allFromSend.add(hs);
      sent += c[SENT];
      lost += c[LOST];
    }
    f.put("latency_from", "the scheduled send time (open loop)");
    f.put("datagrams_per_s", AgentLoad.round(sent / seconds));
    f.put("answered_per_s", AgentLoad.round(all.count() / seconds));
    f.put("answers", all.figures());
    f.put("answers_from_actual_send", allFromSend.figures());
    f.put("lost_pct", sent == 0 ? 0 : AgentLoad.round(100.0 * lost / sent));
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("threads", senders.size());
    g.put("sends_in_window", sent);
    g.put("late_sends", late);
    g.put("late_pct", sent == 0 ? 0 : AgentLoad.round(100.0 * late / sent));
    g.put("late_means_ms_after_slot", LATE / 1e6);
    g.put("send_lateness", lateness.figures());
    g.put("slots_behind_at_end", slotsBehind);
    g.put("bad_answers", bad);
    g.put("ring_full_skipped", ringFull);
    g.put("send_buffer_full", sendErrors);
    f.put("generator", g);
    // the generator kept the agents' schedule: under 1 % of its sends more than 2 ms late
    f.put("valid", sent > 0 && late <= sent / 100 && ringFull == 0);
    return f;
  }

  @Override
  public void close() throws IOException {
    stopped = true;
    for (Sender s : senders) {
      s.selector.wakeup();
      try {
        s.ended.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (DatagramChannel c : s.channels) {
        c.close();
      }
      s.selector.close();
    }
  }
}
