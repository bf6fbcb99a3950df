package io.tandem.onprem.pbx;

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

/**
 * The TCP side of a management connection, shared by the AMI and event-socket clients: connecting
 * (with errors that say whether the PBX is unreachable or silent), writing, and reading lines and
 * fixed-size bodies within a {@link Deadline}. A line or body interrupted by the deadline is kept,
 * so the next read continues where this one stopped: a caller that gave up waiting leaves the
 * stream intact, and its late answer is read (and skipped) by the next caller. Not thread-safe.
 */
public final class WireSocket {

  /** What a client does on a new socket before it is usable (greeting, login). */
  @FunctionalInterface
  public interface Handshake<C> {
    C run(WireSocket socket) throws IOException;
  }

  private static final int MAX_LINE = 64 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final String where;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private byte[] body;
  private int bodyFilled;

  private WireSocket(Socket socket, String where) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
    this.where = where;
  }

  /**
   * Connects to {@code access} and runs {@code handshake} within the deadline.
   *
   * @param where {@code Asterisk at host:port}, for messages
   * @throws TransientException unreachable, or no answer in time (the socket is closed)
   */
  public static <C> C open(String where, PbxAccess access, Deadline d, Handshake<C> handshake) {
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress(access.host(), access.port()), d.remainingMillis());
      return handshake.run(new WireSocket(socket, where));
    } catch (SocketTimeoutException e) {
      closeQuietly(socket);
      throw new TransientException(
          where + " did not answer within " + Deadline.words(d.budget()) + " of connecting", e);
    } catch (IOException e) {
      closeQuietly(socket);
      throw new TransientException(where + " is not reachable: " + e.getMessage(), e);
    } catch (NoAnswerException e) {
      closeQuietly(socket); // a half-done login is no use
      throw new TransientException(e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  public String where() {
    return where;
  }

  /**
   * The next line without its line ending.
   *
   * @throws SocketTimeoutException the deadline passed (what was read is kept)
   * @throws ClosedByPeerException the PBX closed the connection
   */
  public String readLine(Deadline d) throws IOException {
    return readRawLine(d).stripTrailing();
  }

  /**
   * The next line exactly as sent, without only its line ending ({@code \n} or {@code \r\n}):
   * trailing blanks are kept (an Asterisk database value may end in one).
   *
   * @throws SocketTimeoutException the deadline passed (what was read is kept)
   * @throws ClosedByPeerException the PBX closed the connection
   */
  public String readRawLine(Deadline d) throws IOException {
    // Bounded by MAX_LINE bytes and the deadline.
    while (true) {
      int b = read(d);
      if (b == '\n') {
        String s = line.toString(StandardCharsets.UTF_8);
        line.reset();
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
      if (line.size() > MAX_LINE) {
        throw new IOException("a line longer than 64 KiB");
      }
    }
  }

  /**
   * The next {@code n} bytes (a {@code Content-Length} body). A body begun and interrupted by the
   * deadline continues with the same {@code n} on the next call.
   */
  public byte[] readBody(int n, Deadline d) throws IOException {
    if (body == null || body.length != n) {
      body = new byte[n];
      bodyFilled = 0;
    }
    while (bodyFilled < n) {
      expire(d);
      int r = in.read(body, bodyFilled, n - bodyFilled);
      if (r < 0) {
        throw new ClosedByPeerException();
      }
      bodyFilled += r;
    }
    byte[] done = body;
    body = null;
    bodyFilled = 0;
    return done;
  }

  private int read(Deadline d) throws IOException {
    expire(d);
    int b = in.read();
    if (b < 0) {
      throw new ClosedByPeerException();
    }
    return b;
  }

  private void expire(Deadline d) throws IOException {
    if (d.expired()) {
      throw new SocketTimeoutException("deadline passed");
    }
    socket.setSoTimeout(d.remainingMillis());
  }

  /** Writes {@code text}; a failure breaks the connection. */
  public void write(String text, String what, Deadline d) {
    try {
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      throw broken(what, d, e);
    }
  }

  /** The exception for a read that failed: no answer in time, or a broken connection. */
  public RuntimeException failed(String what, Deadline d, IOException e) {
    if (e instanceof SocketTimeoutException) {
      return new NoAnswerException(
          where + " did not answer " + what + " within " + Deadline.words(d.budget()), e);
    }
    return broken(what, d, e);
  }

  /** Closes the socket and says how the connection ended, and after how long. */
  public LinkBrokenException broken(String what, Deadline d, IOException e) {
    closeQuietly(socket);
    String after = Deadline.words(d.elapsed());
    if (e instanceof ClosedByPeerException) {
      return new LinkBrokenException(
          where + " closed the connection " + after + " into " + what, e);
    }
    return new LinkBrokenException(
        "connection to " + where + " lost " + after + " into " + what + ": " + e.getMessage(), e);
  }

  public boolean isOpen() {
    return !socket.isClosed();
  }

  /** Sends {@code farewell} without waiting for an answer, then closes; quiet, idempotent. */
  public void close(String farewell) {
    if (socket.isClosed()) {
      return;
    }
    try {
      socket.setSoTimeout(200);
      out.write(farewell.getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException ignored) {
      // closing anyway
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
  }

  /** End of stream: the PBX closed the connection. */
  public static final class ClosedByPeerException extends IOException {
    private static final long serialVersionUID = 1L;

    public ClosedByPeerException() {
      super("closed by the PBX");
    }
  }
}
