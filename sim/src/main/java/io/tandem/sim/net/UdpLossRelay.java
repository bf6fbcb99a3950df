package io.tandem.sim.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP relay on 127.0.0.1 that loses and delays datagrams the way {@code tc netem loss P% delay D}
 * does on a path (tc-netem(8): each packet is dropped independently with probability P, the rest
 * leave D later; netem neither duplicates nor corrupts unless told to): every datagram, in each
 * direction, is dropped with probability {@code lossPct}/100 drawn from a seeded {@link Random},
 * and the others are forwarded {@code oneWayDelayMs} later. Each client address gets its own
 * upstream socket (as a NAT gives each flow its own port), so answers go back to the client that
 * asked. Thread-safe; {@link #close()} stops it.
 */
public final class UdpLossRelay implements AutoCloseable {

  private final InetSocketAddress target;
  private final DatagramChannel front;
  private final Map<SocketAddress, DatagramChannel> upstream = new ConcurrentHashMap<>();
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
  private final Random random;
  private final double loss;
  private final long delayMs;
  private final AtomicLong forwarded = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong fromClients = new AtomicLong();
  private volatile int passOneIn;

  /**
   * Listens on 127.0.0.1:{@code port} ({@code 0}: ephemeral) and relays to {@code host:port}.
   *
   * @param lossPct percent of datagrams dropped in each direction
   * @param oneWayDelayMs delay added in each direction
   * @param seed the loss draws' seed (a failing run is replayed with it)
   */
  public UdpLossRelay(
      int port, String host, int targetPort, double lossPct, long oneWayDelayMs, long seed) {
    this.target = new InetSocketAddress(host, targetPort);
    this.random = new Random(seed);
    this.loss = lossPct / 100.0;
    this.delayMs = oneWayDelayMs;
    try {
      front = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", port));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread.ofPlatform().daemon().name("udp-loss-relay").start(this::fromClients);
  }

  /** The port clients send to. */
  public int port() {
    try {
      return ((InetSocketAddress) front.getLocalAddress()).getPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Datagrams forwarded so far, both directions. */
  public long forwarded() {
    return forwarded.get();
  }

  /** Datagrams dropped so far, both directions. */
  public long dropped() {
    return dropped.get();
  }

  /**
   * From now on forward only one datagram in every {@code n} from the clients (the rest dropped,
   * answers still subject to the random loss): a burst loss whose length in datagrams is fixed, so
   * how long it lasts depends only on how often the client sends. {@code 0} or {@code 1}: off.
   */
  public void passOneIn(int n) {
    fromClients.set(0);
    passOneIn = n;
  }

  private synchronized boolean lose() {
    return random.nextDouble() < loss;
  }

  private void fromClients() {
    ByteBuffer buf = ByteBuffer.allocate(65_536);
    while (front.isOpen()) {
      SocketAddress client;
      try {
        buf.clear();
        client = front.receive(buf);
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        continue;
      }
      buf.flip();
      byte[] d = new byte[buf.remaining()];
      buf.get(d);
      DatagramChannel up = upstream.computeIfAbsent(client, this::open);
      int n = passOneIn;
      if (n > 1 && fromClients.incrementAndGet() % n != 0) {
        dropped.incrementAndGet();
        continue;
      }
      pass(() -> up.write(ByteBuffer.wrap(d)));
    }
  }

  private DatagramChannel open(SocketAddress client) {
    try {
      DatagramChannel up = DatagramChannel.open().connect(target);
      Thread.ofPlatform()
          .daemon()
          .name("udp-loss-relay-back")
          .start(
              () -> {
                ByteBuffer buf = ByteBuffer.allocate(65_536);
                while (up.isOpen()) {
                  try {
                    buf.clear();
                    up.receive(buf);
                  } catch (ClosedChannelException e) {
                    return;
                  } catch (IOException e) {
                    continue; // ICMP unreachable while the target is down
                  }
                  buf.flip();
                  byte[] d = new byte[buf.remaining()];
                  buf.get(d);
                  pass(() -> front.send(ByteBuffer.wrap(d), client));
                }
              });
      return up;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private interface Send {
    void run() throws IOException;
  }

  private void pass(Send send) {
    if (lose()) {
      dropped.incrementAndGet();
      return;
    }
    forwarded.incrementAndGet();
    Runnable r =
        () -> {
          try {
            send.run();
          } catch (IOException e) {
            // the receiver is gone: a datagram lost on the way
          }
        };
    if (delayMs <= 0) {
      r.run();
    } else {
      later.schedule(r, delayMs, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void close() {
    later.shutdownNow();
    try {
      front.close();
      for (DatagramChannel up : upstream.values()) {
        up.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
