package io.tandem.app.witness.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.tandem.app.witness.WitnessDatagramCodec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;

/**
 * The datagram load generator for the built-in witness: every site sends what its agent's {@code
 * DatagramWitness} sends (the product's own encoder, {@link WitnessDatagramCodec}; {@code
 * DatagramLoadTest} holds the bytes equal) on the agent's schedule ({@link AgentProfile}: the
 * holder renews every {@code renewInterval} and resends every third of it while unanswered, the
 * standby reads the ticket every {@code standbyPoll}); a request unanswered after {@code
 * retryTimeout} is lost, as {@code DatagramWitness} gives its call up then.
 *
 * <p>Cheap by construction, so the witness, not the generator, is measured: one Netty event loop
 * (epoll: {@code recvmmsg}/{@code sendmmsg}) on one thread, a timer of 1 ms steps that sends the
 * sites that are due and flushes once, a few sockets shared by all sites (the witness answers to
 * whichever address a datagram came from and keys its replay check by site, not by address; 20,000
 * sockets would not fit this machine's open-file limit). Nonces come from one counter above the
 * wall clock in µs, so they are unique across sites and strictly increasing per site, as each
 * agent's are. Latency = from the write of a datagram to the read of its answer.
 */
final class DatagramLoad implements AutoCloseable {

  private static final int SOCKETS = 64;
  private static final long STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** A site of a cluster; the holder is site {@code alpha}. */
  static final class Site {
    final String cluster;
    final String name;
    final boolean holder;
    final SecretKeySpec key;
    final int statusOffset;
    final long epoch;
    Channel channel;
    long due;
    long lastSent;
    long lastAnswered;

    Site(String cluster, String name, String secret, boolean holder, long epoch) {
      this.cluster = cluster;
      this.name = name;
      this.holder = holder;
      this.epoch = epoch;
      this.key = WitnessDatagramCodec.key(secret, cluster, name);
      this.statusOffset = WitnessDatagramCodec.statusOffset(cluster, name);
    }
  }

  /** A datagram waiting for its answer. */
  private record Pending(Site site, AgentLoad.Op op, long sentAt, long nonce) {}

  private final AgentProfile profile;
  private final List<Site> sites;
  private final MultiThreadIoEventLoopGroup group;
  private final EventLoop loop;
  private final List<Channel> channels = new ArrayList<>();
  private final PriorityQueue<Site> queue =
      new PriorityQueue<>((a, b) -> Long.compare(a.due, b.due));
  private final Map<Long, Pending> pending = new HashMap<>();
  private final ArrayDeque<Pending> order = new ArrayDeque<>();
  private final Map<AgentLoad.Op, LatencyHistogram> latency = new EnumMap<>(AgentLoad.Op.class);
  private final Map<AgentLoad.Op, long[]> counts = new EnumMap<>(AgentLoad.Op.class);
  private long lastNonce;
  private long windowStart = Long.MAX_VALUE;
  private long windowEnd = Long.MAX_VALUE;
  private long lateSteps;
  private long steps;
  private long startedAt;

  // counts[op]: 0 sent, 1 answered OK, 2 answered refused, 3 answered STALE/SKEW, 4 lost
  private static final int SENT = 0;
  private static final int OK = 1;
  private static final int REFUSED = 2;
  private static final int NOT_RESULT = 3;
  private static final int LOST = 4;

  DatagramLoad(AgentProfile profile, List<Site> sites, InetSocketAddress witness)
      throws InterruptedException {
    this.profile = profile;
    this.sites = sites;
    boolean epoll = Epoll.isAvailable();
    this.group =
        new MultiThreadIoEventLoopGroup(
            1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    this.loop = group.next();
    for (AgentLoad.Op op : AgentLoad.Op.values()) {
      latency.put(op, new LatencyHistogram());
      counts.put(op, new long[5]);
    }
    Bootstrap b =
        new Bootstrap()
            .group(loop)
            .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
            .option(ChannelOption.SO_RCVBUF, 4 << 20)
            .option(ChannelOption.SO_SNDBUF, 4 << 20)
            .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(64 * 1200))
            .handler(new Answers());
    if (epoll) {
      b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 1200); // recvmmsg
    }
    for (int i = 0; i < SOCKETS; i++) {
      channels.add(b.connect(witness, new InetSocketAddress("127.0.0.1", 0)).sync().channel());
    }
    for (int i = 0; i < sites.size(); i++) {
      sites.get(i).channel = channels.get(i % SOCKETS);
    }
  }

  /** Starts every site at a random phase of its first period. */
  void start() {
    loop.execute(
        () -> {
          SplittableRandom random = new SplittableRandom(17);
          long now = System.nanoTime();
          startedAt = now;
          for (Site s : sites) {
            long period = s.holder ? profile.renewInterval().toNanos() : standbyPeriod();
            s.due = now + random.nextLong(period);
            s.lastAnswered = s.lastSent = now - period;
            queue.add(s);
          }
        });
    loop.scheduleAtFixedRate(this::step, 1, 1, TimeUnit.MILLISECONDS);
  }

  /** Starts recording now, for {@code window}. */
  void measure(Duration window) {
    loop.execute(
        () -> {
          windowStart = System.nanoTime();
          windowEnd = windowStart + window.toNanos();
        });
  }

  private long standbyPeriod() {
    return profile.ticksOf(profile.standbyPoll()) * profile.tick().toNanos();
  }

  /** One timer step: sends what is due (one flush per socket), gives up what timed out. */
  private void step() {
    long now = System.nanoTime();
    steps++;
    long tick = profile.tick().toNanos();
    long retry = profile.ticksOf(profile.renewInterval().dividedBy(3)) * tick;
    long renew = profile.ticksOf(profile.renewInterval()) * tick;
    while (!queue.isEmpty() && queue.peek().due <= now) {
      Site s = queue.poll();
      if (now - s.due > 2 * STEP_NANOS) {
        lateSteps++;
      }
      if (!s.holder) {
        send(s, AgentLoad.Op.TICKET, now);
        s.due += standbyPeriod();
      } else {
        // TicketHolder.renewalDue: every renewInterval, every third of it while unanswered
        boolean unanswered = s.lastAnswered - s.lastSent < 0;
        if (now - s.lastSent >= (unanswered ? retry : renew)) {
          send(s, AgentLoad.Op.RENEW, now);
          s.due = now + retry;
        } else {
          s.due = s.lastSent + renew;
        }
      }
      queue.add(s);
    }
    for (Channel c : channels) {
      c.flush();
    }
    while (!order.isEmpty() && now - order.peek().sentAt() > profile.retryTimeout().toNanos()) {
      Pending p = order.poll();
      if (pending.remove(p.nonce()) != null && inWindow(p.sentAt())) {
        counts.get(p.op())[LOST]++;
      }
    }
  }

  private boolean inWindow(long at) {
    return at >= windowStart && at < windowEnd;
  }

  private void send(Site s, AgentLoad.Op op, long now) {
    long nonce = nextNonce();
    byte[] d = datagram(s, op, nonce, profile.ttl());
    long at = System.nanoTime();
    Pending p = new Pending(s, op, at, nonce);
    pending.put(nonce, p);
    order.add(p);
    s.lastSent = op == AgentLoad.Op.RENEW ? now : s.lastSent;
    if (inWindow(at)) {
      counts.get(op)[SENT]++;
    }
    s.channel.write(Unpooled.wrappedBuffer(d), s.channel.voidPromise());
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

  /** As {@code DatagramWitness.nextNonce}: wall-clock µs, strictly increasing. */
  private long nextNonce() {
    long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    lastNonce = Math.max(lastNonce + 1, now);
    return lastNonce;
  }

  /** Answers, matched to their request by nonce (unique across sites here); all on one loop. */
  @io.netty.channel.ChannelHandler.Sharable
  private final class Answers extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      long now = System.nanoTime();
      ByteBuf d = packet.content();
      if (d.readableBytes() < 13) {
        return;
      }
      Pending p = pending.remove(d.getLong(d.readerIndex() + 4));
      if (p == null) {
        return; // answered after its call was given up: the agent ignores it too
      }
      Site s = p.site();
      int status = d.getByte(d.readerIndex() + s.statusOffset);
      boolean granted = d.getByte(d.readerIndex() + s.statusOffset + 1) == 1;
      if (p.op() == AgentLoad.Op.RENEW && status == WitnessDatagramCodec.RESULT && granted) {
        s.lastAnswered = now;
      }
      if (!inWindow(p.sentAt())) {
        return;
      }
      long[] c = counts.get(p.op());
      if (status != WitnessDatagramCodec.RESULT) {
        c[NOT_RESULT]++;
      } else if (granted || p.op() == AgentLoad.Op.TICKET) {
        c[OK]++;
      } else {
        c[REFUSED]++;
      }
      latency.get(p.op()).record(now - p.sentAt());
    }
  }

  /** The window's figures (call after the window and one retry timeout more). */
  Map<String, Object> figures(Duration window) throws Exception {
    return loop.submit(() -> figuresOnLoop(window)).get(10, TimeUnit.SECONDS);
  }

  private Map<String, Object> figuresOnLoop(Duration window) {
    Map<String, Object> f = new LinkedHashMap<>();
    double seconds = window.toNanos() / 1e9;
    LatencyHistogram all = new LatencyHistogram();
    long sent = 0;
    long lost = 0;
    for (AgentLoad.Op op : List.of(AgentLoad.Op.RENEW, AgentLoad.Op.TICKET)) {
      long[] c = counts.get(op);
      Map<String, Object> o = new LinkedHashMap<>(latency.get(op).figures());
      o.put("sent", c[SENT]);
      o.put("ok", c[OK]);
      o.put("refused", c[REFUSED]);
      o.put("stale_or_skew", c[NOT_RESULT]);
      o.put("lost", c[LOST]);
      o.put("lost_pct", c[SENT] == 0 ? 0 : AgentLoad.round(100.0 * c[LOST] / c[SENT]));
      f.put(op.name().toLowerCase(java.util.Locale.ROOT), o);
      all.add(latency.get(op));
      sent += c[SENT];
      lost += c[LOST];
    }
    f.put("datagrams_per_s", AgentLoad.round(sent / seconds));
    f.put("answered_per_s", AgentLoad.round(all.count() / seconds));
    f.put("answers", all.figures());
    f.put("lost_pct", sent == 0 ? 0 : AgentLoad.round(100.0 * lost / sent));
    f.put("generator_late_sends", lateSteps);
    f.put("generator_steps", steps);
    // the generator's 1 ms timer ran this share of its steps: below 0.9 it could not keep the
    // agents' schedule (its CPU was short) and the level measures the generator, not the witness
    double onSchedule = steps / Math.max(1.0, (System.nanoTime() - startedAt) / 1e6);
    f.put("generator_on_schedule", AgentLoad.round(onSchedule));
    f.put("valid", onSchedule >= 0.9);
    return f;
  }

  @Override
  public void close() {
    for (Channel c : channels) {
      c.close();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
