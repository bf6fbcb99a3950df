package io.tandem.onprem.sip;

import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Finds a port free for both UDP and TCP on one address (SIP listens on both). */
final class FreePort {

  private FreePort() {}

  static int forUdpAndTcp(String host) {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(host, 0))) {
        int port = udp.getLocalPort();
        try (ServerSocket tcp = new ServerSocket(port, 1, InetAddress.getByName(host))) {
          return port;
        } catch (IOException busy) {
          // TCP side taken: try another UDP port
        }
      } catch (IOException e) {
        throw new ConfigException("cannot bind " + host + ": " + e.getMessage(), e);
      }
    }
    throw new ConfigException("no port free for both UDP and TCP on " + host);
  }
}
