package io.tandem.sim.pbx;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The event-socket simulator's bytes on the wire, read with a plain socket (no client library in
 * between); each rule follows FreeSWITCH's source as cited in {@link EslServer}.
 */
class PbxServersWireTest {

  @Test
  void eslSpeaksTheEventSocketProtocol() throws IOException {
    PbxModel model = new PbxModel("1.10.12").addChannel("a").addChannel("b").addChannel("c");
    try (EslServer server = new EslServer(model, new PbxFaults(), "ClueCon");
        Socket s = new Socket(server.host(), server.port())) {
      BufferedReader in = reader(s);
      OutputStream out = s.getOutputStream();
      assertThat(packet(in)).containsExactly("Content-Type: auth/request");

      send(out, "auth ClueCon\n\n");
      assertThat(packet(in))
          .containsExactly("Content-Type: command/reply", "Reply-Text: +OK accepted");

      send(out, "api show channels count\n\n");
      List<String> headers = packet(in);
      assertThat(headers).contains("Content-Type: api/response");
      int length = Integer.parseInt(headers.get(1).substring("Content-Length: ".length()));
      char[] body = new char[length];
      assertThat(in.read(body, 0, length)).isEqualTo(length);
      assertThat(new String(body)).isEqualTo("\n3 total.\n");

      send(out, "exit\n\n");
      assertThat(packet(in)).containsExactly("Content-Type: command/reply", "Reply-Text: +OK bye");
      assertThat(packet(in)).contains("Content-Type: text/disconnect-notice");
    }
  }

  @Test
  void eslWrongPasswordIsRefusedAndDisconnected() throws IOException {
    try (EslServer server = new EslServer(new PbxModel("1"), new PbxFaults(), "ClueCon");
        Socket s = new Socket(server.host(), server.port())) {
      BufferedReader in = reader(s);
      packet(in);
      send(s.getOutputStream(), "auth guess\n\n");
      assertThat(packet(in)).contains("Reply-Text: -ERR invalid");
      assertThat(packet(in)).contains("Content-Type: text/disconnect-notice");
    }
  }

  @Test
  void directoryUsersSeeTheirAllowedApiAndNothingElse() throws IOException {
    try (EslServer server =
            new EslServer(new PbxModel("1.10.12"), new PbxFaults(), "ClueCon")
                .withUser("tandem@default", "pw", java.util.Set.of("status"));
        WireClient c = new WireClient(server.host(), server.port())) {
      c.packet();
      c.send("api status\n\n");
      // parse_command: anything but auth/userauth/exit before login
      assertThat(c.packet()).contains("Reply-Text: -ERR command not found");
      c.send("userauth tandem@default:pw\n\n");
      assertThat(c.packet())
          .contains(
              "Content-Type: command/reply",
              "Reply-Text: +OK accepted",
              "Allowed-API: status",
              "Allowed-LOG: true");
      c.send("api fsctl pause inbound\n\n");
      assertThat(c.packet()).contains("Reply-Text: -ERR permission denied");
    }
  }

  @Test
  void elegantShutdownOverApiAnswersNothingWhileCallsAreUp() throws IOException {
    PbxModel model = new PbxModel("1.10.12").addCall("sofia/a", "sofia/b");
    try (EslServer server = new EslServer(model, new PbxFaults(), "ClueCon");
        WireClient stopper = new WireClient(server.host(), server.port());
        WireClient other = new WireClient(server.host(), server.port())) {
      for (WireClient c : List.of(stopper, other)) {
        c.packet();
        c.send("auth ClueCon\n\n");
        c.packet();
      }
      other.send("api show calls count\n\n");
      assertThat(other.packet()).contains("Content-Type: api/response");
      assertThat(other.line()).isEmpty();
      assertThat(other.line()).isEqualTo("1 total.");

      // switch_core_session_ctl(SCSC_SHUTDOWN_ELEGANT) loops in the api thread while sessions
      // remain: no api/response
      stopper.send("api fsctl shutdown elegant\n\n");
      assertThat(stopper.silentFor(300)).isTrue();
      other.send("bgapi fsctl shutdown_check\n\n");
      List<String> job = other.packet();
      assertThat(job).anyMatch(l -> l.startsWith("Reply-Text: +OK Job-UUID: "));
      assertThat(job).anyMatch(l -> l.startsWith("Job-UUID: "));

      model.hangupAll();
      assertThat(stopper.closedByServer()).isTrue();
    }
    assertThat(model.lifecycle()).isEqualTo(PbxModel.Lifecycle.STOPPED);
  }

  private static BufferedReader reader(Socket s) throws IOException {
    s.setSoTimeout(5000);
    return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
  }

  private static void send(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** Lines up to the next empty line (leading empty lines skipped). */
  private static List<String> packet(BufferedReader in) throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String line = in.readLine();
      if (line == null || (line.isEmpty() && !lines.isEmpty())) {
        return lines;
      }
      if (!line.isEmpty()) {
        lines.add(line);
      }
    }
    return lines;
  }
}
