package io.tandem.sim.pbx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Accept loop on 127.0.0.1 with one virtual thread per connection; base of AMI/ESL servers. */
abstract class LineServer implements AutoCloseable {

  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;

  LineServer(String name) {
    this(name, new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  /** Listens on {@code bind} ({@code tandem sim-pbx} gives the ports a cluster file names). */
  LineServer(String name, java.net.InetSocketAddress bind) {
    try {
      server = new ServerSocket();
      server.setReuseAddress(true);
      server.bind(bind, 50);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    acceptor = Thread.ofVirtual().name(name + "-accept").start(this::acceptLoop);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        open.add(s);
        Thread.ofVirtual()
            .start(
                () -> {
                  try (s) {
                    serve(s);
                  } catch (IOException | RuntimeException e) {
                    // client went away or the test dropped the connection
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } finally {
                    open.remove(s);
                  }
                });
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  abstract void serve(Socket socket) throws IOException, InterruptedException;

  public String host() {
    return server.getInetAddress().getHostAddress();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Number of client connections open now. */
  public int openConnections() {
    return open.size();
  }

  /** Closes every open client connection (simulates a PBX restart or a network cut). */
  public void dropConnections() {
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // nothing to release
    }
    dropConnections();
    acceptor.interrupt();
  }
}
