package io.tandem.app.witness.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * The trivial target that proves {@link DatagramLoad} itself (its achieved rate, lateness and CPU)
 * before it measures the witness: a process that sends every datagram back to where it came from,
 * one blocking thread, two system calls per datagram. Started by {@link DatagramRun} as its own JVM
 * pinned to the witness's CPU; prints its port and serves until killed.
 */
final class UdpEcho {

  private UdpEcho() {}

  public static void main(String[] args) throws IOException {
    try (DatagramChannel c = DatagramChannel.open()) {
      c.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
      c.bind(new InetSocketAddress("127.0.0.1", 0));
      System.out.println("udp echo on " + ((InetSocketAddress) c.getLocalAddress()).getPort());
      System.out.flush();
      serve(c);
    }
  }

  /** Sends every datagram {@code c} receives back to its sender, until {@code c} is closed. */
  static void serve(DatagramChannel c) {
    ByteBuffer b = ByteBuffer.allocateDirect(2048);
    try {
      for (; ; ) {
        b.clear();
        SocketAddress from = c.receive(b);
        b.flip();
        c.send(b, from);
      }
    } catch (IOException closed) {
      // the channel was closed: done
    }
  }
}
