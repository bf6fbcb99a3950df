package io.tandem.sim.peer.internal;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Sends one SIP OPTIONS over UDP and reports whether a 2xx came back: the readiness probe for UDP
 * SIP peers, which offer no connection to test. Hand-written because a readiness probe should not
 * pull a SIP stack into every test class path.
 */
public final class SipOptionsPing {

  private SipOptionsPing() {}

  public static boolean answers200(String host, int port, int timeoutMillis) throws IOException {
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(LoopbackPorts.HOST, 0))) {
      socket.setSoTimeout(timeoutMillis);
      String id = UUID.randomUUID().toString();
      String request =
          "OPTIONS sip:"
              + host
              + ":"
              + port
              + " SIP/2.0\r\n"
              + "Via: SIP/2.0/UDP 127.0.0.1:"
              + socket.getLocalPort()
              + ";branch=z9hG4bK"
              + id.replace("-", "")
              + "\r\nMax-Forwards: 70\r\n"
              + "From: <sip:probe@127.0.0.1>;tag=probe\r\n"
              + "To: <sip:"
              + host
              + ">\r\nCall-ID: "
              + id
              + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
      byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
      socket.send(new DatagramPacket(bytes, bytes.length, new InetSocketAddress(host, port)));
      byte[] buffer = new byte[8192];
      DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(answer);
      } catch (SocketTimeoutException notYet) {
        return false;
      }
      String status = new String(buffer, 0, answer.getLength(), StandardCharsets.US_ASCII);
      return status.startsWith("SIP/2.0 2");
    }
  }
}
