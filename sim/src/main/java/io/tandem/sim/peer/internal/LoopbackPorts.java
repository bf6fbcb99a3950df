package io.tandem.sim.peer.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Picks free ephemeral ports on 127.0.0.1. A port is free when the kernel hands it out for TCP and
 * it can also be bound for UDP. Another process can still take it between this check and the peer's
 * bind: callers retry the peer's start on a new port when that race is lost.
 */
public final class LoopbackPorts {

  public static final String HOST = "127.0.0.1";
  private static final int MAX_TRIES = 50;

  private LoopbackPorts() {}

  /**
   * Whether something accepts TCP connections on {@code port} of 127.0.0.1 now (a readiness check;
   * a refused connection throws, which the caller's poll treats as "not yet").
   */
  public static boolean acceptsTcp(int port) throws IOException {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new InetSocketAddress(HOST, port), 500);
      return true;
    }
  }

  /** A port free for TCP only. */
  public static int tcp() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free TCP port on " + HOST, e);
    }
  }

  /** A port free for UDP (an IPMI LAN interface). */
  public static int udp() {
    try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(HOST, 0))) {
      return udp.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free UDP port on " + HOST, e);
    }
  }

  /** A port free for both TCP and UDP (SIP and DNS listen on both). */
  public static int tcpAndUdp() {
    for (int i = 0; i < MAX_TRIES; i++) {
      int port = tcp();
      try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(HOST, port))) {
        return udp.getLocalPort();
      } catch (IOException busyForUdp) {
        // taken for UDP: try another one
      }
    }
    throw new IllegalStateException("no port free for both TCP and UDP on " + HOST);
  }

  /** {@code count} distinct TCP ports. */
  public static int[] distinctTcp(int count) {
    Set<Integer> seen = new HashSet<>();
    int[] ports = new int[count];
    for (int i = 0, tries = 0; i < count && tries < MAX_TRIES; tries++) {
      int port = tcp();
      if (seen.add(port)) {
        ports[i++] = port;
      }
    }
    if (seen.size() < count) {
      throw new IllegalStateException("could not find " + count + " distinct free ports");
    }
    return ports;
  }
}
