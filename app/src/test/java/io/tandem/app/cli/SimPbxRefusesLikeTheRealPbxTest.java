package io.tandem.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.onprem.ami.AmiPbxControl;
import io.tandem.onprem.ami.AmiSettings;
import io.tandem.onprem.esl.EslPbxControl;
import io.tandem.onprem.esl.EslSettings;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@code tandem sim-pbx} answers SIP the way the real PBX does once Tandem's fence (the fence
 * guard's, the agent's: {@code PbxControl.stopNewCalls}) makes it refuse new calls, so a client
 * outside sees the refusal where a real one would: Asterisk answers INVITE 503 (the documented
 * dialplan gate, cause 34) but OPTIONS 200 (chan_pjsip's options module answers OPTIONS without the
 * dialplan); FreeSWITCH paused answers INVITE 503 "Maximum Calls In Progress", and OPTIONS too with
 * sofia's {@code sip-options-respond-503-on-busy}. Before, it answered OPTIONS 200 and INVITE 501
 * whatever the PBX's state: the session-6 soak's client could not see a fenced PBX.
 */
class SimPbxRefusesLikeTheRealPbxTest {

  private static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 0);

  @Test
  void asteriskFencedOverAmiRefusesInvitesAndStillAnswersOptions() throws Exception {
    try (var pbx = SimPbxCommand.start("a", true, ANY, ANY, "tandem", "ami-pw", false);
        var ami =
            new AmiPbxControl(AmiSettings.of("127.0.0.1", managerPort(pbx), "tandem", "ami-pw"))) {
      int sip = pbx.sip().port();
      assertThat(status(sip, "OPTIONS")).isEqualTo("SIP/2.0 200 OK");
      assertThat(status(sip, "INVITE")).isEqualTo("SIP/2.0 480 Temporarily Unavailable");
      ami.stopNewCalls();
      assertThat(status(sip, "INVITE")).isEqualTo("SIP/2.0 503 Service Unavailable");
      assertThat(status(sip, "OPTIONS")).isEqualTo("SIP/2.0 200 OK");
      ami.acceptNewCalls();
      assertThat(status(sip, "INVITE")).isEqualTo("SIP/2.0 480 Temporarily Unavailable");
    }
  }

  @Test
  void freeswitchPausedOverEslRefusesInvitesAndWithTheProfileParameterOptionsToo()
      throws Exception {
    try (var plain = SimPbxCommand.start("b", false, ANY, ANY, "", "esl-pw", false);
        var busy = SimPbxCommand.start("c", false, ANY, ANY, "", "esl-pw", true);
        var plainEsl =
            new EslPbxControl(EslSettings.of("127.0.0.1", managerPort(plain), "esl-pw"));
        var busyEsl = new EslPbxControl(EslSettings.of("127.0.0.1", managerPort(busy), "esl-pw"))) {
      plainEsl.stopNewCalls();
      busyEsl.stopNewCalls();
      assertThat(status(plain.sip().port(), "INVITE"))
          .isEqualTo("SIP/2.0 503 Maximum Calls In Progress");
      assertThat(status(plain.sip().port(), "OPTIONS")).isEqualTo("SIP/2.0 200 OK");
      assertThat(status(busy.sip().port(), "OPTIONS"))
          .isEqualTo("SIP/2.0 503 Maximum Calls In Progress");
      busyEsl.acceptNewCalls();
      assertThat(status(busy.sip().port(), "OPTIONS")).isEqualTo("SIP/2.0 200 OK");
    }
  }

  /**
   * Over UDP a real PBX's INVITE server transaction sends its 503 again until the ACK comes (RFC
   * 3261 17.2.1, timer G from T1 = 500 ms; pjsip and sofia-sip do): a client that does not ACK
   * hears it again; one that ACKs ends the transaction.
   */
  @Test
  void aFencedPbxSendsIts503AgainUntilTheClientAcksIt() throws Exception {
    try (var pbx = SimPbxCommand.start("a", true, ANY, ANY, "tandem", "ami-pw", false);
        var ami =
            new AmiPbxControl(AmiSettings.of("127.0.0.1", managerPort(pbx), "tandem", "ami-pw"));
        DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      ami.stopNewCalls();
      s.setSoTimeout(5_000); // design bound T1 = 500 ms; the rest is allowance for a loaded host
      int port = pbx.sip().port();
      String via = "SIP/2.0/UDP 127.0.0.1:" + s.getLocalPort() + ";branch=z9hG4bKretx1";
      send(s, port, "INVITE", via, "<sip:100@127.0.0.1>");
      String first = receive(s);
      assertThat(first).startsWith("SIP/2.0 503 ");
      assertThat(receive(s)).as("sent again: no ACK yet").isEqualTo(first);
      String to =
          first.lines().filter(l -> l.startsWith("To: ")).findFirst().orElseThrow().substring(4);
      send(s, port, "ACK", via, to);
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(5))
          .until(() -> pbx.sip().unacknowledgedInvites() == 0);
      assertThat(pbx.sip().retransmittedAnswers()).isPositive();
    }
  }

  private static void send(DatagramSocket s, int port, String method, String via, String to)
      throws Exception {
    String req =
        method
            + " sip:100@127.0.0.1:"
            + port
            + " SIP/2.0\r\nVia: "
            + via
            + "\r\nMax-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=1\r\nTo: "
            + to
            + "\r\nCall-ID: retx1@127.0.0.1\r\nCSeq: 1 "
            + method
            + "\r\nContent-Length: 0\r\n\r\n";
    byte[] out = req.getBytes(StandardCharsets.US_ASCII);
    s.send(new DatagramPacket(out, out.length, InetAddress.getLoopbackAddress(), port));
  }

  private static String receive(DatagramSocket s) throws Exception {
    byte[] buf = new byte[4096];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    s.receive(p);
    return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
  }

  @Test
  void theOptionsParameterIsRefusedForAsterisk() {
    java.io.StringWriter err = new java.io.StringWriter();
    var cl = TandemCommand.commandLine("sim-pbx");
    cl.setErr(new java.io.PrintWriter(err, true));
    // PATH is set in every environment: the secret check passes, the option check refuses
    int code =
        cl.execute(
            "sim-pbx",
            "--type",
            "asterisk",
            "--sip-options-respond-503-on-busy",
            "--secret-env",
            "PATH");
    assertThat(code).isEqualTo(io.tandem.app.ExitCodes.INVALID);
    assertThat(err.toString()).contains("--sip-options-respond-503-on-busy: FreeSWITCH only");
  }

  private static int managerPort(SimPbxCommand.Running pbx) {
    String w = pbx.managerWords(); // "AMI on 127.0.0.1:<port> (user ...)" / "event socket on ..."
    String hostPort = w.split(" on ")[1].split(" ")[0];
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  /** Sends one request over UDP and returns the answer's status line. */
  private static String status(int port, String method) throws Exception {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      s.setSoTimeout(5_000);
      String branch = "z9hG4bK" + System.nanoTime();
      String req =
          method
              + " sip:100@127.0.0.1:"
              + port
              + " SIP/2.0\r\n"
              + "Via: SIP/2.0/UDP 127.0.0.1:"
              + s.getLocalPort()
              + ";branch="
              + branch
              + "\r\n"
              + "Max-Forwards: 70\r\n"
              + "From: <sip:probe@127.0.0.1>;tag=1\r\n"
              + "To: <sip:100@127.0.0.1>\r\n"
              + "Call-ID: "
              + branch
              + "@127.0.0.1\r\n"
              + "CSeq: 1 "
              + method
              + "\r\n"
              + "Content-Length: 0\r\n\r\n";
      byte[] out = req.getBytes(StandardCharsets.US_ASCII);
      s.send(new DatagramPacket(out, out.length, InetAddress.getLoopbackAddress(), port));
      byte[] buf = new byte[4096];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      s.receive(p);
      return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8)
          .lines()
          .findFirst()
          .orElse("");
    }
  }
}
