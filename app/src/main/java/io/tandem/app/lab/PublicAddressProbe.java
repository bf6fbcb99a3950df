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
import java.util.UUID;

/**
 * Verification from outside: a SIP OPTIONS sent to the public address over UDP must be answered
 * {@code 200} by the new site's PBX (its {@code Server} header names the site).
 *
 * <p>A plain datagram exchange rather than the Jain-SIP endpoint: this plays the part of a caller
 * on the internet, independent of the agent's own SIP stack.
 */
final class PublicAddressProbe implements Probe {

  private final InetSocketAddress publicAddress;
  private final String expectedSite;
  private final Duration timeout;

  PublicAddressProbe(InetSocketAddress publicAddress, String expectedSite, Duration timeout) {
    this.publicAddress = publicAddress;
    this.expectedSite = expectedSite;
    this.timeout = timeout;
  }

  @Override
  public String provider() {
    return "sip-options";
  }

  @Override
  public String expectation() {
    return "public address " + hostPort() + " answers SIP OPTIONS from " + expectedSite;
  }

  private String hostPort() {
    return publicAddress.getAddress().getHostAddress() + ":" + publicAddress.getPort();
  }

  @Override
  public ProbeResult check() {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      s.setSoTimeout((int) timeout.toMillis());
      String branch = "z9hG4bK" + UUID.randomUUID().toString().replace("-", "");
      String req =
          "OPTIONS sip:"
              + hostPort()
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
              + hostPort()
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
      return new ProbeResult(false, "no answer from " + hostPort() + " within " + timeout);
    } catch (IOException e) {
      throw new TransientException("cannot probe " + hostPort() + ": " + e.getMessage(), e);
    }
  }
}
