package io.tandem.sim.pbx;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A plain-socket client for wire tests: sends text, reads packets up to an empty line. */
final class WireClient implements AutoCloseable {

  private final Socket socket;
  private final BufferedReader in;
  private final OutputStream out;

  WireClient(String host, int port) throws IOException {
    socket = new Socket(host, port);
    socket.setSoTimeout(5000);
    in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    out = socket.getOutputStream();
  }

  String line() throws IOException {
    return in.readLine();
  }

  WireClient send(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
    return this;
  }

  /** Lines up to the next empty line (leading empty lines skipped); empty at end of stream. */
  List<String> packet() throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
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

  /** The next packet whose first line is not an {@code Event:} (events are skipped). */
  List<String> response() throws IOException {
    for (int i = 0; i < 100; i++) {
      List<String> p = packet();
      if (p.isEmpty() || !p.get(0).startsWith("Event:")) {
        return p;
      }
    }
    throw new IllegalStateException("100 events and no response");
  }

  /** True when nothing arrives within {@code millis} (and the connection is still open). */
  boolean silentFor(int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed instead of silent");
      }
      return false;
    } catch (SocketTimeoutException quiet) {
      return true;
    } finally {
      socket.setSoTimeout(5000);
    }
  }

  /** True when the server closed the connection (end of stream within the read timeout). */
  boolean closedByServer() throws IOException {
    try {
      // Bounded: the read timeout ends a silent connection.
      while (true) {
        if (in.readLine() == null) {
          return true;
        }
      }
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
