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

/** The simulators' bytes on the wire, read with a plain socket (no client library in between). */
class PbxServersWireTest {

  @Test
  void amiSpeaksTheManagerProtocol() throws IOException {
    PbxModel model = new PbxModel("20.5.0").addChannel("PJSIP/1-1").addChannel("PJSIP/2-1");
    try (AmiServer server = new AmiServer(model, new PbxFaults(), "tandem", "pw");
        Socket s = new Socket(server.host(), server.port())) {
      BufferedReader in = reader(s);
      OutputStream out = s.getOutputStream();
      assertThat(in.readLine()).isEqualTo("Asterisk Call Manager/9.0.0");

      send(out, "Action: CoreStatus\r\nActionID: 0\r\n\r\n");
      assertThat(packet(in)).contains("Response: Error", "Message: Authentication Required");

      send(out, "Action: Login\r\nActionID: 1\r\nUsername: tandem\r\nSecret: pw\r\n\r\n");
      assertThat(packet(in))
          .containsExactly("Response: Success", "ActionID: 1", "Message: Authentication accepted");

      send(out, "Action: CoreShowChannels\r\nActionID: 2\r\n\r\n");
      assertThat(packet(in)).contains("Response: Success", "ActionID: 2", "EventList: start");
      assertThat(packet(in)).contains("Event: CoreShowChannel", "Channel: PJSIP/1-1");
      assertThat(packet(in)).contains("Channel: PJSIP/2-1");
      assertThat(packet(in))
          .contains(
              "Event: CoreShowChannelsComplete",
              "ActionID: 2",
              "EventList: Complete",
              "ListItems: 2");

      send(out, "Action: Logoff\r\nActionID: 3\r\n\r\n");
      assertThat(packet(in)).contains("Response: Goodbye");
      assertThat(in.readLine()).isNull();
    }
  }

  @Test
  void amiWrongSecretFailsAndCloses() throws IOException {
    try (AmiServer server = new AmiServer(new PbxModel("20"), new PbxFaults(), "tandem", "pw");
        Socket s = new Socket(server.host(), server.port())) {
      BufferedReader in = reader(s);
      in.readLine();
      send(s.getOutputStream(), "Action: Login\r\nUsername: tandem\r\nSecret: nope\r\n\r\n");
      assertThat(packet(in)).contains("Response: Error", "Message: Authentication failed");
      assertThat(in.readLine()).isNull();
    }
  }

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
