package io.tandem.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deliberately tiny SIP user agent client for the testkit's own tests: OPTIONS and REGISTER (with
 * RFC 2617/8760 digest) over UDP or TCP. Hand-written so the peer tests depend on nothing but the
 * JDK; production code uses Jain-SIP. Not thread-safe; one socket per instance.
 */
final class SipTestClient implements AutoCloseable {

  /** A parsed response: status code, reason and headers (lower-case names, first value). */
  record Response(int status, String reason, Map<String, String> headers, String raw) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private static final int TIMEOUT_MS = 5_000;
  private static final Pattern PARAM = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]+))");

  private final String transport;
  private final String host;
  private final int port;
  private final DatagramSocket udp;
  private final Socket tcp;
  private int cseq = 1;
  private final String callId = UUID.randomUUID() + "@127.0.0.1";
  private final String fromTag = Long.toHexString(System.nanoTime());

  SipTestClient(String transport, String host, int port) {
    this.transport = transport.toLowerCase(Locale.ROOT);
    this.host = host;
    this.port = port;
    try {
      if (this.transport.equals("udp")) {
        udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        udp.setSoTimeout(TIMEOUT_MS);
        tcp = null;
      } else {
        tcp = new Socket();
        tcp.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
        tcp.setSoTimeout(TIMEOUT_MS);
        udp = null;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private int localPort() {
    return udp != null ? udp.getLocalPort() : tcp.getLocalPort();
  }

  Response options(String requestUri) {
    return send("OPTIONS", requestUri, "sip:probe@127.0.0.1", null, "");
  }

  /**
   * Registers {@code user} (AoR {@code sip:user@domain}) at {@code requestUri}, answering one
   * digest challenge with {@code password}. Returns the final response.
   */
  Response register(String requestUri, String domain, String user, String password) {
    String aor = "sip:" + user + "@" + domain;
    Response first = send("REGISTER", requestUri, aor, null, "");
    if (first.status() != 401 && first.status() != 407) {
      return first;
    }
    String challenge =
        first.status() == 401
            ? first.header("WWW-Authenticate")
            : first.header("Proxy-Authenticate");
    String authorization = digest(challenge, "REGISTER", requestUri, user, password);
    return send("REGISTER", requestUri, aor, authorization, "");
  }

  private Response send(
      String method, String requestUri, String aor, String authorization, String body) {
    String branch = "z9hG4bK" + UUID.randomUUID().toString().replace("-", "");
    String via = "SIP/2.0/" + transport.toUpperCase(Locale.ROOT) + " 127.0.0.1:" + localPort();
    StringBuilder msg = new StringBuilder();
    msg.append(method).append(' ').append(requestUri).append(" SIP/2.0\r\n");
    msg.append("Via: ").append(via).append(";branch=").append(branch).append(";rport\r\n");
    msg.append("Max-Forwards: 70\r\n");
    msg.append("From: <").append(aor).append(">;tag=").append(fromTag).append("\r\n");
    msg.append("To: <").append(aor).append(">\r\n");
    msg.append("Call-ID: ").append(callId).append("\r\n");
    msg.append("CSeq: ").append(cseq++).append(' ').append(method).append("\r\n");
    String user = aor.substring(4, aor.indexOf('@'));
    msg.append("Contact: <sip:")
        .append(user)
        .append("@127.0.0.1:")
        .append(localPort())
        .append(";transport=")
        .append(transport)
        .append(">\r\n");
    if (method.equals("REGISTER")) {
      msg.append("Expires: 300\r\n");
    }
    if (authorization != null) {
      msg.append("Authorization: ").append(authorization).append("\r\n");
    }
    msg.append("User-Agent: tandem-testkit-test\r\n");
    msg.append("Content-Length: ").append(body.length()).append("\r\n\r\n").append(body);
    byte[] bytes = msg.toString().getBytes(StandardCharsets.UTF_8);
    try {
      // Skip provisional responses; bounded by the socket timeout and a count.
      for (int i = 0; i < 10; i++) {
        Response response = exchange(bytes, i == 0);
        if (response.status() >= 200) {
          return response;
        }
      }
      throw new IllegalStateException("no final response to " + method);
    } catch (IOException e) {
      throw new UncheckedIOException(method + " to " + host + ":" + port + " failed", e);
    }
  }

  private Response exchange(byte[] request, boolean send) throws IOException {
    String raw;
    if (udp != null) {
      if (send) {
        udp.send(new DatagramPacket(request, request.length, new InetSocketAddress(host, port)));
      }
      byte[] buf = new byte[65_535];
      DatagramPacket packet = new DatagramPacket(buf, buf.length);
      udp.receive(packet);
      raw = new String(buf, 0, packet.getLength(), StandardCharsets.UTF_8);
    } else {
      if (send) {
        OutputStream out = tcp.getOutputStream();
        out.write(request);
        out.flush();
      }
      raw = readTcpMessage(tcp.getInputStream());
    }
    return parse(raw);
  }

  private static String readTcpMessage(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    // Read headers up to CRLFCRLF, then Content-Length bytes; bounded by the socket timeout.
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed");
      }
      head.write(b);
      byte[] h = head.toByteArray();
      int n = h.length;
      if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
        break;
      }
    }
    String headers = head.toString(StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("(?im)^(?:content-length|l):\\s*(\\d+)").matcher(headers);
    int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
    return headers + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  static Response parse(String raw) {
    String[] lines = raw.split("\r\n");
    String[] status = lines[0].split(" ", 3);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.putIfAbsent(
            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
    }
    return new Response(
        Integer.parseInt(status[1]), status.length > 2 ? status[2] : "", headers, raw);
  }

  /** Builds an Authorization header value for a Digest challenge (MD5 or SHA-256, qop=auth). */
  static String digest(String challenge, String method, String uri, String user, String password) {
    Map<String, String> p = new LinkedHashMap<>();
    Matcher m = PARAM.matcher(challenge.replaceFirst("(?i)^Digest\\s+", ""));
    while (m.find()) {
      p.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2) != null ? m.group(2) : m.group(3));
    }
    String algorithm = p.getOrDefault("algorithm", "MD5");
    String hash = algorithm.equalsIgnoreCase("SHA-256") ? "SHA-256" : "MD5";
    String realm = p.get("realm");
    String nonce = p.get("nonce");
    String ha1 = hex(hash, user + ":" + realm + ":" + password);
    String ha2 = hex(hash, method + ":" + uri);
    StringBuilder h = new StringBuilder("Digest username=\"").append(user).append('"');
    h.append(", realm=\"").append(realm).append('"');
    h.append(", nonce=\"").append(nonce).append('"');
    h.append(", uri=\"").append(uri).append('"');
    String qop = p.get("qop");
    String response;
    if (qop != null && qop.contains("auth")) {
      String cnonce = Long.toHexString(System.nanoTime());
      String nc = "00000001";
      response = hex(hash, ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
      h.append(", qop=auth, nc=").append(nc).append(", cnonce=\"").append(cnonce).append('"');
    } else {
      response = hex(hash, ha1 + ":" + nonce + ":" + ha2);
    }
    h.append(", response=\"").append(response).append('"');
    h.append(", algorithm=").append(algorithm);
    if (p.containsKey("opaque")) {
      h.append(", opaque=\"").append(p.get("opaque")).append('"');
    }
    return h.toString();
  }

  private static String hex(String algorithm, String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      if (udp != null) {
        udp.close();
      }
      if (tcp != null) {
        tcp.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
