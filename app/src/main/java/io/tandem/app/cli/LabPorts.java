package io.tandem.app.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Whether {@code tandem lab}'s console ports are free, checked by binding them briefly. */
final class LabPorts {

  private LabPorts() {}

  /**
   * {@code port} and {@code port + 1} (the second site's console) are both free on {@code bind}.
   */
  static boolean pairFree(String bind, int port) {
    return free(bind, port) && free(bind, port + 1);
  }

  /**
   * A TCP listen on {@code bind:port} succeeds now, with the socket options the console's server
   * uses (Java's defaults: {@code SO_REUSEADDR} on, so a port left in TIME_WAIT counts as free, as
   * it is for the server; a port another program listens on is taken).
   */
  static boolean free(String bind, int port) {
    if (port < 1 || port > 65535) {
      return false;
    }
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(bind), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
