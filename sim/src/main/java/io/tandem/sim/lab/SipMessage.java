package io.tandem.sim.lab;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A parsed SIP request, just enough for the lab's simulated PBX and registrar (RFC 3261 syntax:
 * request line, headers with compact forms, body by Content-Length).
 *
 * <p>Hand-written rather than Jain-SIP because the lab's simulated peers must answer requests
 * statelessly from a plain socket, without a second SIP stack competing with the adapters under
 * test in the same JVM.
 */
record SipMessage(String method, String uri, List<Map.Entry<String, String>> headers, String body) {

  private static final Map<String, String> COMPACT =
      Map.of(
          "v",
          "via",
          "f",
          "from",
          "t",
          "to",
          "i",
          "call-id",
          "m",
          "contact",
          "l",
          "content-length",
          "k",
          "supported",
          "c",
          "content-type");

  static SipMessage parse(byte[] data, int length) {
    String text = new String(data, 0, length, StandardCharsets.UTF_8);
    int end = text.indexOf("\r\n\r\n");
    String head = end < 0 ? text : text.substring(0, end);
    String body = end < 0 ? "" : text.substring(end + 4);
    String[] lines = head.split("\r\n");
    String[] first = lines[0].split(" ");
    if (first.length < 3 || !first[2].startsWith("SIP/2.0")) {
      throw new IllegalArgumentException("not a SIP request: " + lines[0]);
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
      headers.add(
          Map.entry(COMPACT.getOrDefault(name, name), lines[i].substring(colon + 1).trim()));
    }
    return new SipMessage(first[0], first[1], List.copyOf(headers), body);
  }

  String header(String name) {
    for (var h : headers) {
      if (h.getKey().equals(name)) {
        return h.getValue();
      }
    }
    return null;
  }

  List<String> all(String name) {
    List<String> out = new ArrayList<>();
    for (var h : headers) {
      if (h.getKey().equals(name)) {
        out.add(h.getValue());
      }
    }
    return out;
  }

  /** A response that copies Via, From, To (with a tag), Call-ID and CSeq. */
  String response(int code, String reason, List<String> extraHeaders) {
    StringBuilder b = new StringBuilder("SIP/2.0 ").append(code).append(' ').append(reason);
    b.append("\r\n");
    for (String via : all("via")) {
      b.append("Via: ").append(via).append("\r\n");
    }
    b.append("From: ").append(header("from")).append("\r\n");
    String to = header("to");
    if (to != null && !to.contains(";tag=")) {
      to = to + ";tag=lab" + Integer.toHexString(to.hashCode());
    }
    b.append("To: ").append(to).append("\r\n");
    b.append("Call-ID: ").append(header("call-id")).append("\r\n");
    b.append("CSeq: ").append(header("cseq")).append("\r\n");
    for (String h : extraHeaders) {
      b.append(h).append("\r\n");
    }
    b.append("Content-Length: 0\r\n\r\n");
    return b.toString();
  }
}
