package io.tandem.onprem.esl;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.TransientException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One authenticated FreeSWITCH event-socket session (inbound mode), speaking the documented text
 * protocol: header blocks of {@code Name: value} lines ended by an empty line, an optional body of
 * {@code Content-Length} bytes; {@code auth <password>} then {@code api <command>}.
 *
 * <p>Hand-written on purpose: the Java ESL client served on Maven Central ({@code
 * org.freeswitch.esl.client:org.freeswitch.esl.client} 0.9.2, checked with {@code dependency:get})
 * was built in 2010 and depends on Netty 3.2 ({@code org.jboss.netty}) and slf4j 1.6; Tandem needs
 * three message types of a simple line protocol, which is less code than carrying that.
 *
 * <p>Not thread-safe: {@link EslPbxControl} serialises use. Every read is bounded by the socket
 * timeout; after a timeout or I/O error the session is closed (the stream position is unknown).
 */
final class EslConnection implements AutoCloseable {

  private static final int MAX_HEADER_LINES = 200;
  private static final int MAX_BODY = 4 * 1024 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final String where;

  private EslConnection(Socket socket, String where) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
    this.where = where;
  }

  /**
   * Connects and authenticates.
   *
   * @throws PermissionException when the password is refused
   * @throws TransientException when the socket cannot be reached or does not answer in time
   */
  static EslConnection open(EslSettings settings) {
    String where = settings.host() + ":" + settings.port();
    Socket socket = new Socket();
    int timeout = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
    try {
      socket.connect(new InetSocketAddress(settings.host(), settings.port()), timeout);
      socket.setSoTimeout(timeout);
      EslConnection c = new EslConnection(socket, where);
      Message greeting = c.read();
      if (!"auth/request".equals(greeting.contentType())) {
        throw new ProtocolException(
            "FreeSWITCH at " + where + " greeted with " + greeting.contentType());
      }
      c.write(
          settings
              .user()
              .map(u -> "userauth " + u + ":" + settings.password())
              .orElse("auth " + settings.password()));
      Message reply = c.read();
      String text = reply.header("reply-text");
      if (text == null || !text.startsWith("+OK")) {
        c.close();
        throw new PermissionException(
            "FreeSWITCH event socket at "
                + where
                + " refused the password"
                + settings.user().map(u -> " of " + u).orElse(""));
      }
      return c;
    } catch (IOException e) {
      closeQuietly(socket);
      throw failure("connecting", where, e);
    } catch (RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  /** Runs {@code api <command>} and returns the response body. */
  String api(String command) {
    try {
      write("api " + command);
      for (int skipped = 0; skipped < 1000; skipped++) {
        Message m = read();
        String type = m.contentType();
        if ("api/response".equals(type)) {
          return m.body();
        }
        if ("command/reply".equals(type)) {
          // an api refused before it ran, e.g. not in the user's esl-allowed-api
          String text = String.valueOf(m.header("reply-text"));
          if (text.contains("permission denied")) {
            throw new PermissionException(
                "FreeSWITCH at " + where + " does not allow 'api " + command + "' for this login");
          }
          throw new ProtocolException("FreeSWITCH at " + where + " answered " + text);
        }
        if ("text/disconnect-notice".equals(type)) {
          close();
          throw new TransientException("FreeSWITCH at " + where + " closed the event socket");
        }
        // an event or log line we did not ask for: skip it
      }
      throw new ProtocolException("FreeSWITCH at " + where + " sent no api/response");
    } catch (IOException e) {
      close();
      throw failure("api " + command, where, e);
    }
  }

  /** Sends {@code exit} and closes; idempotent. */
  void exit() {
    if (socket.isClosed()) {
      return;
    }
    try {
      write("exit");
    } catch (IOException ignored) {
      // closing anyway
    }
    close();
  }

  boolean isOpen() {
    return !socket.isClosed();
  }

  @Override
  public void close() {
    closeQuietly(socket);
  }

  private void write(String command) throws IOException {
    out.write((command + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private Message read() throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 0; i < MAX_HEADER_LINES; i++) {
      String line = readLine();
      if (line.isEmpty()) {
        if (headers.isEmpty()) {
          continue;
        }
        String length = headers.get("content-length");
        String body = "";
        if (length != null) {
          int n;
          try {
            n = Integer.parseInt(length.trim());
          } catch (NumberFormatException e) {
            // found by EslFrameFuzzProperties: it escaped as an uncategorised exception
            throw new IOException("unreadable Content-Length");
          }
          if (n < 0 || n > MAX_BODY) {
            throw new IOException("implausible Content-Length " + n);
          }
          byte[] read = in.readNBytes(n);
          if (read.length < n) {
            throw new IOException("connection closed " + (n - read.length) + " bytes into a body");
          }
          body = new String(read, StandardCharsets.UTF_8);
        }
        return new Message(headers, body);
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
    }
    throw new IOException("header block longer than " + MAX_HEADER_LINES + " lines");
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int i = 0; i < 64 * 1024; i++) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed by FreeSWITCH");
      }
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8).stripTrailing();
      }
      line.write(b);
    }
    throw new IOException("header line too long");
  }

  private static TransientException failure(String what, String where, IOException e) {
    String why =
        e instanceof SocketTimeoutException ? "no answer in time" : String.valueOf(e.getMessage());
    return new TransientException(
        "FreeSWITCH event socket at " + where + ": " + what + " failed: " + why, e);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
  }

  private record Message(Map<String, String> headers, String body) {
    String contentType() {
      return headers.get("content-type");
    }

    String header(String name) {
      return headers.get(name);
    }
  }
}
