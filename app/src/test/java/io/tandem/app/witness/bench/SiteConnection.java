package io.tandem.app.witness.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A persistent HTTP/1.1 connection to the witness, as an agent's {@code HttpClient} keeps one,
 * carrying the bytes {@code HttpWitness} sends ({@link AgentRequests}), over TLS (or plain HTTP on
 * loopback); used for the failover burst (the steady load is {@link HttpLoad}'s). A blocking socket
 * used from virtual threads, so 20,000 sites cost parked threads, not selector threads.
 * Thread-safe: requests on one connection are serialised (when the benchmark lets the two sites of
 * a cluster share one, see {@link WitnessLoadBench}).
 */
final class SiteConnection implements AutoCloseable {

  /** Status and body of an answer. */
  record Answer(int status, String body) {}

  private final SSLContext tls;
  private final String host;
  private final int port;
  private final int timeoutMillis;
  private Socket socket;
  private InputStream in;
  private OutputStream out;

  /**
   * @param tls the client's TLS context, or null for plain HTTP
   */
  SiteConnection(SSLContext tls, String host, int port, int timeoutMillis) {
    this.tls = tls;
    this.host = host;
    this.port = port;
    this.timeoutMillis = timeoutMillis;
  }

  /** Sends one request's bytes (as {@link AgentRequests} encodes them) and reads the answer. */
  synchronized Answer send(byte[] request) throws IOException {
    if (socket == null) {
      connect();
    }
    try {
      out.write(request);
      out.flush();
      return read();
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  synchronized void connect() throws IOException {
    if (socket != null) {
      return;
    }
    Socket s = tls == null ? new Socket() : tls.getSocketFactory().createSocket();
    s.setTcpNoDelay(true);
    // Connecting (and the TLS handshake) is bounded more loosely than a request: an agent's
    // connection is made once and kept; requests then get the agent's retryTimeout.
    s.connect(new InetSocketAddress(host, port), 10 * timeoutMillis);
    s.setSoTimeout(10 * timeoutMillis);
    if (s instanceof SSLSocket ssl) {
      ssl.startHandshake();
    }
    s.setSoTimeout(timeoutMillis);
    socket = s;
    in = new BufferedInputStream(s.getInputStream(), 2048);
    out = s.getOutputStream();
  }

  private Answer read() throws IOException {
    String status = line();
    if (!status.startsWith("HTTP/1.1 ")) {
      throw new IOException("not an HTTP answer: " + status);
    }
    int code = Integer.parseInt(status.substring(9, 12));
    int length = -1;
    boolean close = false;
    for (String l = line(); !l.isEmpty(); l = line()) {
      int colon = l.indexOf(':');
      String name = l.substring(0, colon).trim();
      String value = l.substring(colon + 1).trim();
      if (name.equalsIgnoreCase("Content-Length")) {
        length = Integer.parseInt(value);
      } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
        close = true;
      }
    }
    if (length < 0) {
      throw new IOException("answer without Content-Length");
    }
    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
    if (close) {
      close();
    }
    return new Answer(code, body);
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        int n = b.size();
        byte[] bytes = b.toByteArray();
        return new String(
            bytes, 0, n > 0 && bytes[n - 1] == '\r' ? n - 1 : n, StandardCharsets.US_ASCII);
      }
      b.write(c);
    }
    throw new IOException("connection closed by the witness");
  }

  @Override
  public synchronized void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
      socket = null;
    }
  }
}
