package io.tandem.app.witness.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The load generator for the built-in witness: every site of every cluster talks to the witness as
 * its agent does ({@link AgentProfile}: renewals, resends, polls, the retry timeout), with the
 * agent's exact bytes ({@link AgentRequests}), over persistent HTTP/1.1 connections (TLS when
 * given) kept in a pool per site as the JDK client keeps them: a request takes an idle connection
 * or opens one; a request given up closes its connection. No pipelining (the JDK client does not
 * pipeline). Built on Netty's event loops (epoll when present) so the generator costs a fraction of
 * what the witness does: every site's state lives on one event loop, no thread per site, no request
 * built per send. Latency = from the write of a request on a ready connection to its answer's last
 * byte; opening a connection is counted apart ({@code connects}).
 */
final class HttpLoad implements AutoCloseable {

  private static final int MAX_CONNECTIONS_PER_POOL = 6;

  /** A site of a cluster; the holder is site {@code alpha}. */
  static final class Site {
    final String cluster;
    final String name;
    final String secret;
    final boolean holder;
    Pool pool;
    EventLoop loop;
    Stats stats;
    long gridStart;
    long epoch;
    boolean granted;
    boolean acquiring;
    long lastSent;
    long lastAnswered;
    byte[] acquireBytes;
    byte[] renewBytes;
    byte[] ticketBytes;

    Site(String cluster, String name, String secret, boolean holder) {
      this.cluster = cluster;
      this.name = name;
      this.secret = secret;
      this.holder = holder;
    }
  }

  /** The connections of a site (or of a cluster, when its two sites must share). */
  static final class Pool {
    final ArrayDeque<Conn> idle = new ArrayDeque<>();
    int open;
  }

  /** One connection and the request on it. */
  final class Conn {
    final Pool pool;
    Channel channel;
    Site site;
    AgentLoad.Op op;
    long sentAt;
    boolean inFlight;

    Conn(Pool pool) {
      this.pool = pool;
    }
  }

  /** A request sent on a connection at a time. */
  record Sent(Conn conn, long at) {}

  /** Per event loop: counts and latencies, touched only on that loop. */
  static final class Stats {
    final Map<AgentLoad.Op, LatencyHistogram> latency = new EnumMap<>(AgentLoad.Op.class);
    final Map<AgentLoad.Op, long[]> outcomes = new EnumMap<>(AgentLoad.Op.class);

    /** Requests in the order sent (a connection's earlier, answered requests stay until swept). */
    final ArrayDeque<Sent> inFlight = new ArrayDeque<>();

    Stats() {
      for (AgentLoad.Op op : AgentLoad.Op.values()) {
        latency.put(op, new LatencyHistogram());
        outcomes.put(op, new long[AgentLoad.Outcome.values().length]);
      }
    }
  }

  private final AgentProfile profile;
  private final EventLoopGroup group;
  private final Bootstrap bootstrap;
  private final SslContext ssl;
  private final InetSocketAddress address;
  private final String authority;
  private final List<Site> sites;
  private final int maxOpen;
  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder connects = new LongAdder();
  private final LongAdder connectFailures = new LongAdder();
  private final LongAdder notSent = new LongAdder();
  private final java.util.concurrent.atomic.AtomicReference<String> firstFailure =
      new java.util.concurrent.atomic.AtomicReference<>();
  private final Map<EventLoop, Stats> stats = new LinkedHashMap<>();
  private volatile long windowStart = Long.MAX_VALUE;
  private volatile long windowEnd = Long.MAX_VALUE;
  private volatile boolean stopped;

  /**
   * @param shared whether the two sites of a cluster share one pool (when the open-file limit of
   *     this machine cannot hold a connection per site; the requests stay the same)
   * @param maxOpen connections open at most, over all pools (the open-file budget)
   */
  HttpLoad(
      AgentProfile profile,
      List<Site> sites,
      SslContext ssl,
      InetSocketAddress address,
      boolean shared,
      int maxOpen,
      int threads) {
    this.profile = profile;
    this.sites = sites;
    this.ssl = ssl;
    this.address = address;
    this.authority = address.getHostString() + ":" + address.getPort();
    this.maxOpen = maxOpen;
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(threads, io);
    this.bootstrap =
        new Bootstrap()
            .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (ssl != null) {
                      ch.pipeline()
                          .addLast(
                              ssl.newHandler(
                                  ch.alloc(), address.getHostString(), address.getPort()));
                    }
                    ch.pipeline().addLast(new AnswerDecoder());
                  }
                });
    Map<String, Pool> byCluster = new LinkedHashMap<>();
    List<EventLoop> loops = new ArrayList<>();
    group.forEach(e -> loops.add((EventLoop) e));
    for (EventLoop l : loops) {
      stats.put(l, new Stats());
    }
    for (Site s : sites) {
      // both sites of a cluster on one loop, so a shared pool is touched by one thread
      s.loop = loops.get(Math.floorMod(s.cluster.hashCode(), loops.size()));
      s.stats = stats.get(s.loop);
      s.pool = shared ? byCluster.computeIfAbsent(s.cluster, k -> new Pool()) : new Pool();
      s.ticketBytes = AgentRequests.ticket(authority, s.cluster, s.name, s.secret);
      s.acquireBytes = acquireBytes(s);
    }
    for (EventLoop l : loops) {
      Stats st = stats.get(l);
      l.scheduleAtFixedRate(() -> expire(st), 10, 10, TimeUnit.MILLISECONDS);
    }
  }

  private byte[] acquireBytes(Site s) {
    return AgentRequests.acquire(
        authority, s.cluster, s.name, s.secret, profile.ttl().toMillis(), s.epoch);
  }

  /** Starts every site at a random moment of {@code ramp} (their first connection) and phase. */
  void start(java.time.Duration ramp) {
    SplittableRandom random = new SplittableRandom(17);
    long t0 = System.nanoTime();
    long tick = profile.tick().toNanos();
    for (Site s : sites) {
      long at = t0 + (long) (random.nextDouble() * ramp.toNanos()) + random.nextLong(tick);
      s.gridStart = at;
      s.loop.schedule(() -> wake(s, at), at - System.nanoTime(), TimeUnit.NANOSECONDS);
    }
  }

  /** Starts recording now, for {@code window}. */
  void measure(java.time.Duration window) {
    long now = System.nanoTime();
    windowStart = now;
    windowEnd = now + window.toNanos();
  }

  // ---- the agent's schedule (on the site's loop) ----

  private void wake(Site s, long now) {
    if (stopped) {
      return;
    }
    long tick = profile.tick().toNanos();
    long next;
    if (!s.holder) {
      send(s, AgentLoad.Op.TICKET);
      next = now + profile.ticksOf(profile.standbyPoll()) * tick;
    } else if (!s.granted) {
      if (!s.acquiring) {
        s.acquiring = true;
        send(s, AgentLoad.Op.ACQUIRE);
      }
      next = now + tick;
    } else {
      // TicketHolder.renewalDue: every renewInterval from the last send, every third of it while
      // the last one is unanswered (requests overlap; each is independent)
      boolean unanswered = s.lastAnswered - s.lastSent < 0;
      long retry = profile.ticksOf(profile.renewInterval().dividedBy(3)) * tick;
      long renew = profile.ticksOf(profile.renewInterval()) * tick;
      if (now - s.lastSent >= (unanswered ? retry : renew)) {
        s.lastSent = now;
        send(s, AgentLoad.Op.RENEW);
        unanswered = true;
      } else if (profile.holderPolls()) {
        send(s, AgentLoad.Op.TICKET);
      }
      next = profile.holderPolls() || unanswered ? now + tick : s.lastSent + renew;
    }
    long at = next;
    s.loop.schedule(() -> wake(s, at), at - System.nanoTime(), TimeUnit.NANOSECONDS);
  }

  /** The first tick of the site's grid at or after {@code t}. */
  private long onGrid(Site s, long t) {
    long tick = profile.tick().toNanos();
    long k = Math.floorDiv(t - s.gridStart + tick - 1, tick);
    return s.gridStart + k * tick;
  }

  private void answered(AgentLoad.Op op, Site s, long sentAt, AgentLoad.Outcome o) {
    switch (op) {
      case ACQUIRE -> {
        s.acquiring = false;
        if (o == AgentLoad.Outcome.OK) {
          s.granted = true;
          // the first renewal a renewInterval after the acquire, nothing unanswered
          s.lastSent = onGrid(s, sentAt) - profile.tick().toNanos();
          s.lastAnswered = s.lastSent;
          s.renewBytes =
              AgentRequests.renew(
                  authority, s.cluster, s.name, s.secret, profile.ttl().toMillis(), s.epoch);
        }
      }
      case RENEW -> {
        if (o == AgentLoad.Outcome.OK) {
          s.lastAnswered = System.nanoTime();
        } else if (o == AgentLoad.Outcome.REFUSED && s.granted) {
          s.granted = false; // the ticket lapsed: step down and ask again
          s.acquireBytes = acquireBytes(s);
        }
      }
      case TICKET -> {}
    }
    if (sentAt - windowStart >= 0 && sentAt - windowEnd < 0) {
      s.stats.outcomes.get(op)[o.ordinal()]++;
      if (o == AgentLoad.Outcome.OK || o == AgentLoad.Outcome.REFUSED) {
        s.stats.latency.get(op).record(System.nanoTime() - sentAt);
      }
    }
  }

  // ---- connections (on the site's loop) ----

  private void send(Site s, AgentLoad.Op op) {
    byte[] bytes =
        switch (op) {
          case ACQUIRE -> s.acquireBytes;
          case RENEW -> s.renewBytes;
          case TICKET -> s.ticketBytes;
        };
    Pool pool = s.pool;
    Conn c = pool.idle.pollFirst();
    if (c != null) {
      write(c, s, op, bytes);
      return;
    }
    if (pool.open >= MAX_CONNECTIONS_PER_POOL || open.get() >= maxOpen) {
      notSent.increment();
      if (op == AgentLoad.Op.ACQUIRE) {
        s.acquiring = false;
      }
      return;
    }
    pool.open++;
    open.incrementAndGet();
    connects.increment();
    Conn fresh = new Conn(pool);
    bootstrap
        .clone()
        .group(s.loop)
        .connect(address)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                firstFailure.compareAndSet(null, String.valueOf(f.cause()));
                connectFailed(fresh, s, op);
                return;
              }
              Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
              fresh.channel = ch;
              ch.attr(CONN).set(fresh);
              ch.closeFuture()
                  .addListener(
                      x -> {
                        pool.open--;
                        open.decrementAndGet();
                        pool.idle.remove(fresh);
                        if (fresh.inFlight) {
                          fresh.inFlight = false;
                          answered(fresh.op, fresh.site, fresh.sentAt, AgentLoad.Outcome.ERROR);
                        }
                      });
              SslHandler tls = ch.pipeline().get(SslHandler.class);
              if (tls == null) {
                write(fresh, s, op, bytes);
              } else {
                tls.handshakeFuture()
                    .addListener(
                        h -> {
                          if (h.isSuccess()) {
                            write(fresh, s, op, bytes);
                          } else {
                            firstFailure.compareAndSet(null, String.valueOf(h.cause()));
                            connectFailures.increment();
                            if (op == AgentLoad.Op.ACQUIRE) {
                              s.acquiring = false;
                            }
                            ch.close();
                          }
                        });
              }
            });
  }

  private void connectFailed(Conn c, Site s, AgentLoad.Op op) {
    c.pool.open--;
    open.decrementAndGet();
    connectFailures.increment();
    if (op == AgentLoad.Op.ACQUIRE) {
      s.acquiring = false;
    }
  }

  private void write(Conn c, Site s, AgentLoad.Op op, byte[] bytes) {
    c.site = s;
    c.op = op;
    c.inFlight = true;
    c.sentAt = System.nanoTime();
    s.stats.inFlight.addLast(new Sent(c, c.sentAt));
    c.channel.writeAndFlush(Unpooled.wrappedBuffer(bytes), c.channel.voidPromise());
  }

  /** Gives up requests older than the retry timeout, closing their connections (the JDK's way). */
  private void expire(Stats st) {
    long limit = System.nanoTime() - profile.retryTimeout().toNanos();
    for (Sent x = st.inFlight.peekFirst(); x != null; x = st.inFlight.peekFirst()) {
      if (x.at() - limit > 0) {
        return; // this and every later request are younger than the retry timeout
      }
      st.inFlight.pollFirst();
      Conn c = x.conn();
      if (c.inFlight && c.sentAt == x.at()) {
        c.inFlight = false;
        answered(c.op, c.site, c.sentAt, AgentLoad.Outcome.TIMEOUT);
        c.channel.close();
      }
    }
  }

  private static final io.netty.util.AttributeKey<Conn> CONN =
      io.netty.util.AttributeKey.valueOf("tandem-bench-conn");

  /** Reads an HTTP/1.1 answer (status, Content-Length, body) without Netty's full HTTP codec. */
  private final class AnswerDecoder extends ByteToMessageDecoder {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int start = in.readerIndex();
      int end = in.writerIndex();
      int headEnd = -1;
      for (int i = start; i + 3 < end; i++) {
        if (in.getByte(i) == '\r'
            && in.getByte(i + 1) == '\n'
            && in.getByte(i + 2) == '\r'
            && in.getByte(i + 3) == '\n') {
          headEnd = i + 4;
          break;
        }
      }
      if (headEnd < 0) {
        return;
      }
      String head = in.toString(start, headEnd - start, StandardCharsets.US_ASCII);
      int length = contentLength(head);
      if (end - headEnd < length) {
        return;
      }
      int status = Integer.parseInt(head, 9, 12, 10);
      String body = in.toString(headEnd, length, StandardCharsets.UTF_8);
      in.readerIndex(headEnd + length);
      Conn c = ctx.channel().attr(CONN).get();
      if (c == null || !c.inFlight) {
        return; // an answer to a request already given up
      }
      c.inFlight = false;
      AgentLoad.Outcome o;
      if (status == 503) {
        o = AgentLoad.Outcome.SHED;
      } else if (status != 200) {
        o = AgentLoad.Outcome.ERROR;
      } else if (c.op == AgentLoad.Op.TICKET) {
        o = AgentLoad.Outcome.OK;
      } else if (AgentRequests.granted(body)) {
        if (c.op == AgentLoad.Op.ACQUIRE) {
          c.site.epoch = AgentRequests.epoch(body);
        }
        o = AgentLoad.Outcome.OK;
      } else {
        o = AgentLoad.Outcome.REFUSED;
      }
      answered(c.op, c.site, c.sentAt, o);
      if (indexOfIgnoreCase(head, "\r\nconnection: close") >= 0) {
        ctx.close();
      } else if (!stopped) {
        c.pool.idle.addFirst(c);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private static int contentLength(String head) {
    int i = indexOfIgnoreCase(head, "content-length:");
    if (i < 0) {
      return 0;
    }
    int v = 0;
    for (int j = i + 15; j < head.length(); j++) {
      char ch = head.charAt(j);
      if (ch == ' ') {
        continue;
      }
      if (!Character.isDigit(ch)) {
        break;
      }
      v = v * 10 + (ch - '0');
    }
    return v;
  }

  private static int indexOfIgnoreCase(String s, String needle) {
    for (int i = 0; i + needle.length() <= s.length(); i++) {
      if (s.regionMatches(true, i, needle, 0, needle.length())) {
        return i;
      }
    }
    return -1;
  }

  // ---- results ----

  /** Figures of the window: per op and overall, latencies in ms. */
  Map<String, Object> figures(java.time.Duration window) throws InterruptedException {
    Map<AgentLoad.Op, LatencyHistogram> lat = new EnumMap<>(AgentLoad.Op.class);
    Map<AgentLoad.Op, long[]> out = new EnumMap<>(AgentLoad.Op.class);
    for (AgentLoad.Op op : AgentLoad.Op.values()) {
      lat.put(op, new LatencyHistogram());
      out.put(op, new long[AgentLoad.Outcome.values().length]);
    }
    CountDownLatch merged = new CountDownLatch(stats.size());
    stats.forEach(
        (loop, st) ->
            loop.execute(
                () -> {
                  synchronized (lat) {
                    for (AgentLoad.Op op : AgentLoad.Op.values()) {
                      lat.get(op).add(st.latency.get(op));
                      long[] o = st.outcomes.get(op);
                      for (int k = 0; k < o.length; k++) {
                        out.get(op)[k] += o[k];
                      }
                    }
                  }
                  merged.countDown();
                }));
    merged.await(30, TimeUnit.SECONDS);
    Map<String, Object> f = new LinkedHashMap<>();
    LatencyHistogram all = new LatencyHistogram();
    long total = 0;
    synchronized (lat) {
      for (AgentLoad.Op op : AgentLoad.Op.values()) {
        Map<String, Object> o = new LinkedHashMap<>();
        for (AgentLoad.Outcome k : AgentLoad.Outcome.values()) {
          o.put(k.name().toLowerCase(), out.get(op)[k.ordinal()]);
          total += out.get(op)[k.ordinal()];
        }
        o.putAll(lat.get(op).figures());
        f.put(op.name().toLowerCase(), o);
        all.add(lat.get(op));
      }
    }
    double seconds = window.toNanos() / 1e9;
    f.put("requests_per_s", AgentLoad.round(total / seconds));
    f.put("answered_per_s", AgentLoad.round(all.count() / seconds));
    f.put("all", all.figures());
    f.put("connects", connects.sum());
    f.put("connect_failures", connectFailures.sum());
    f.put("not_sent_no_connection", notSent.sum());
    if (firstFailure.get() != null) {
      f.put("first_connect_failure", firstFailure.get());
    }
    f.put("open_connections", open.get());
    return f;
  }

  @Override
  public void close() {
    stopped = true;
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
