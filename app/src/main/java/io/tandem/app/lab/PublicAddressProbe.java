package io.tandem.app.lab;

import io.tandem.core.error.TransientException;
import io.tandem.core.runbook.Probe;
import io.tandem.core.runbook.ProbeResult;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * A caller outside: a SIP OPTIONS sent to the public address over UDP must be answered {@code 200}
 * by the expected site's PBX (its {@code Server} header names the site). The lab measures its RTO
 * with this client, independent of the agents.
 *
 * <p>A plain datagram exchange rather than the Jain-SIP endpoint: this plays the part of a caller
 * on the internet, independent of the agent's own SIP stack.
 *
 * <p>With the lab's real AWS emulator nothing routes the emulated Elastic IP, so {@link #following}
 * sends the same OPTIONS to wherever the address is associated now, as the emulator reports it, and
 * says so in its expectation.
 */
final class PublicAddressProbe implements Probe {

  private final Supplier<Optional<InetSocketAddress>> route;
  private final String expectedSite;
  private final Duration timeout;
  private final String what;

  private PublicAddressProbe(
      Supplier<Optional<InetSocketAddress>> route,
      String expectedSite,
      Duration timeout,
      String what) {
    this.route = route;
    this.expectedSite = expectedSite;
    this.timeout = timeout;
    this.what = what;
  }

  /** Probes through the public address (the simulated address's UDP relay). */
  static PublicAddressProbe through(
      InetSocketAddress publicAddress, String expectedSite, Duration timeout) {
    return new PublicAddressProbe(
        () -> Optional.of(publicAddress),
        expectedSite,
        timeout,
        "public address " + hostPort(publicAddress));
  }

  /**
   * Probes the PBX that {@code route} names now, standing in for a public address that cannot be
   * routed here (an emulated Elastic IP); the expectation says so, and so does the lab's output.
   */
  static PublicAddressProbe following(
      Supplier<Optional<InetSocketAddress>> route,
      String expectedSite,
      Duration timeout,
      String addressLabel) {
    return new PublicAddressProbe(route, expectedSite, timeout, addressLabel);
  }

  @Override
  public String provider() {
    return "sip-options";
  }

  @Override
  public String expectation() {
    return what + " answers SIP OPTIONS from " + expectedSite;
  }

  private static String hostPort(InetSocketAddress a) {
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  @Override
  public ProbeResult check() {
    Optional<InetSocketAddress> target = route.get();
    if (target.isEmpty()) {
      return new ProbeResult(false, what + " leads nowhere (not associated)");
    }
    InetSocketAddress publicAddress = target.get();
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      s.setSoTimeout((int) timeout.toMillis());
      String branch = "z9hG4bK" + UUID.randomUUID().toString().replace("-", "");
      String req =
          "OPTIONS sip:"
              + hostPort(publicAddress)
              + " SIP/2.0\r\n"
              + "Via: SIP/2.0/UDP 127.0.0.1:"
              + s.getLocalPort()
              + ";branch="
              + branch
              + "\r\n"
              + "Max-Forwards: 70\r\n"
              + "From: <sip:probe@outside.lab>;tag="
              + branch.substring(7, 15)
              + "\r\n"
              + "To: <sip:"
              + hostPort(publicAddress)
              + ">\r\n"
              + "Call-ID: "
              + branch
              + "@outside.lab\r\n"
              + "CSeq: 1 OPTIONS\r\n"
              + "Content-Length: 0\r\n\r\n";
      byte[] out = req.getBytes(StandardCharsets.UTF_8);
      s.send(new DatagramPacket(out, out.length, publicAddress));
      byte[] buf = new byte[8192];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      s.receive(p);
      String resp = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
      String status = resp.lines().findFirst().orElse("");
      String server =
          resp.lines()
              .filter(l -> l.regionMatches(true, 0, "Server:", 0, 7))
              .map(l -> l.substring(7).trim())
              .findFirst()
              .orElse("(no Server header)");
      boolean ok = status.startsWith("SIP/2.0 200") && server.endsWith(" " + expectedSite);
      return new ProbeResult(
          ok, status.substring(Math.min(8, status.length())) + " from " + server);
    } catch (SocketTimeoutException e) {
      return new ProbeResult(
          false, "no answer from " + hostPort(publicAddress) + " within " + timeout);
    } catch (IOException e) {
      throw new TransientException(
          "cannot probe " + hostPort(publicAddress) + ": " + e.getMessage(), e);
    }
  }
}
