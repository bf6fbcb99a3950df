package io.tandem.onprem.pbx;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Reads lines and fixed-size bodies from a management socket within a {@link Deadline}, keeping a
 * partly read line or body when the deadline passes, so that the next read continues where this one
 * stopped: a caller that gave up waiting leaves the stream intact, and the late answer is read (and
 * skipped) by the next caller. Not thread-safe.
 */
public final class WireReader {

  private static final int MAX_LINE = 64 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private byte[] body;
  private int bodyFilled;

  public WireReader(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
  }

  /**
   * The next line without its line ending.
   *
   * @throws SocketTimeoutException the deadline passed (what was read is kept)
   * @throws ClosedByPeerException the PBX closed the connection
   */
  public String readLine(Deadline d) throws IOException {
    // Bounded by MAX_LINE bytes and the deadline.
    while (true) {
      if (d.expired()) {
        throw new SocketTimeoutException("deadline passed");
      }
      socket.setSoTimeout(d.remainingMillis());
      int b = in.read();
      if (b < 0) {
        throw new ClosedByPeerException();
      }
      if (b == '\n') {
        String s = line.toString(StandardCharsets.UTF_8).stripTrailing();
        line.reset();
        return s;
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
      if (d.expired()) {
        throw new SocketTimeoutException("deadline passed");
      }
      socket.setSoTimeout(d.remainingMillis());
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

  /** End of stream: the PBX closed the connection. */
  public static final class ClosedByPeerException extends IOException {
    private static final long serialVersionUID = 1L;

    public ClosedByPeerException() {
      super("closed by the PBX");
    }
  }
}
