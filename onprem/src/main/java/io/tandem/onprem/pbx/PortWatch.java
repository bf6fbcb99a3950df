package io.tandem.onprem.pbx;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * Watches a PBX's management port from outside to confirm that the process has exited: a connection
 * refused means nothing listens any more. Stateless.
 */
public final class PortWatch {

  private static final Duration POLL = Duration.ofMillis(200);

  private PortWatch() {}

  /**
   * One connection attempt, now: true only when the PBX runs on this machine (a literal loopback or
   * local address, or {@code localhost}, so this host's own kernel answers, with no firewall on the
   * way that could reject in its name) and the attempt is refused — no process listens on the
   * management port, so the PBX is not running. A timeout, an unreachable or remote host, or an
   * accepted connection: false.
   */
  public static boolean refusedNow(PbxAccess access, Duration within) {
    String host = access.host();
    // a literal address or localhost only: a name would need a lookup, which may hang on a fence
    // (InetAddress.getByName of a literal parses it and asks no resolver)
    if (!"localhost".equalsIgnoreCase(host)
        && !host.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
      return false;
    }
    try {
      java.net.InetAddress address =
          "localhost".equalsIgnoreCase(host)
              ? java.net.InetAddress.getLoopbackAddress()
              : java.net.InetAddress.getByName(host);
      if (!address.isLoopbackAddress()
          && java.net.NetworkInterface.getByInetAddress(address) == null) {
        return false;
      }
      try (Socket s = new Socket()) {
        s.connect(
            new InetSocketAddress(address, access.port()),
            (int) Math.max(1, Math.min(POLL.toMillis(), within.toMillis())));
      }
      return false;
    } catch (ConnectException refused) {
      return String.valueOf(refused.getMessage()).contains("refused");
    } catch (IOException slowOrUnreachable) {
      return false;
    }
  }

  /**
   * Polls until connections to {@code access}'s port are refused, at most {@code within}.
   *
   * @return true when the port refused a connection, false when it still accepted at the end
   */
  public static boolean awaitRefused(PbxAccess access, Duration within) {
    Deadline d = Deadline.in(within);
    // Bounded by the deadline.
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(
            new InetSocketAddress(access.host(), access.port()),
            (int) Math.min(POLL.toMillis(), d.remainingMillis()));
      } catch (ConnectException refused) {
        return true;
      } catch (IOException slowOrUnreachable) {
        // a timeout or no route: not a proof that the process exited; try again
      }
      if (d.expired()) {
        return false;
      }
      try {
        // The poll interval of an external process we cannot be signalled by.
        Thread.sleep(Math.min(POLL.toMillis(), d.remainingMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }
}
