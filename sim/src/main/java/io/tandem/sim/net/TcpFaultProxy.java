package io.tandem.sim.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on 127.0.0.1 between a client and a server that can fail the way networks fail:
 *
 * <ul>
 *   <li>{@link #blackhole(boolean)}: bytes stop arriving in both directions while both sockets stay
 *       open, as when a firewall starts dropping packets or a NAT forgets the flow. Neither side
 *       sees an error; only a read timeout or a keepalive notices. New connections are accepted and
 *       then blackholed too.
 *   <li>{@link #blackholeOpenConnections()}: the same for the connections open now only; new
 *       connections are relayed normally (a stateful firewall or NAT that dropped an idle flow: the
 *       old connection is dead, fresh logins work).
 *   <li>{@link #cut()}: every relayed connection is closed now (a reset path).
 * </ul>
 *
 * <p>Thread-safe; two virtual threads per relayed connection; {@link #close()} stops it.
 */
public final class TcpFaultProxy implements AutoCloseable {

  private volatile InetSocketAddress target;
  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Set<Socket> deadFlows = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile boolean blackholed;

  /** Starts relaying from an ephemeral port on 127.0.0.1 to {@code host:port}. */
  public TcpFaultProxy(String host, int port) {
    this.target = new InetSocketAddress(host, port);
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread.ofVirtual().name("fault-proxy-accept").start(this::acceptLoop);
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Relays new connections to {@code host:port} from now on (a server restarted elsewhere). */
  public TcpFaultProxy retarget(String host, int port) {
    this.target = new InetSocketAddress(host, port);
    return this;
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  /** Drops every byte in both directions from now on (or forwards again), keeping sockets open. */
  public TcpFaultProxy blackhole(boolean on) {
    blackholed = on;
    return this;
  }

  /** Drops every byte of the connections open now, keeping them open; new ones are relayed. */
  public TcpFaultProxy blackholeOpenConnections() {
    deadFlows.addAll(open);
    return this;
  }

  /** Closes every relayed connection now. */
  public void cut() {
    for (Socket s : open) {
      closeQuietly(s);
    }
  }

  @Override
  public void close() {
    closeQuietly(server);
    cut();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException closed) {
        return;
      }
      accepted.incrementAndGet();
      Socket upstream = new Socket();
      try {
        upstream.connect(target, 2000);
      } catch (IOException refused) {
        closeQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      open.add(client);
      open.add(upstream);
      Thread.ofVirtual().start(() -> pump(client, upstream));
      Thread.ofVirtual().start(() -> pump(upstream, client));
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[8192];
    try {
      // Not try-with-resources: closing a socket's stream closes the socket, which a blackhole
      // must not do to the other side.
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      // Bounded by the stream: ends when either socket closes.
      while (true) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        if (!blackholed && !deadFlows.contains(from)) {
          out.write(buffer, 0, n);
          out.flush();
        }
      }
    } catch (IOException closed) {
      // one side went away: close the other below
    } finally {
      closeQuietly(from);
      open.remove(from);
      if (!blackholed && !deadFlows.contains(from)) {
        closeQuietly(to);
        open.remove(to);
      } // else: a FIN sent into the blackhole never arrives; close() releases the other side
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // already closed
    }
  }
}
