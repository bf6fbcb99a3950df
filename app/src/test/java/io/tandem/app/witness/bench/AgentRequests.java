package io.tandem.app.witness.bench;

import io.tandem.app.witness.WitnessWire;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bytes an agent's {@code HttpWitness} puts on the wire, encoded once per site (and again when
 * its epoch changes) so the load generator spends no time building requests: the JDK {@code
 * HttpClient}'s HTTP/1.1 request line and headers in its order (Host and User-Agent first, then the
 * request's headers sorted by name), and the JSON body Jackson writes for {@link
 * WitnessWire.Request}. {@code AgentRequestsTest} holds these bytes equal to what the real client
 * sends over TLS, so the generator cannot drift from the agent.
 */
final class AgentRequests {

  /** The JDK client's {@code User-Agent} ({@code jdk.internal.net.http.HttpRequestImpl}). */
  static final String USER_AGENT = "Java-http-client/" + System.getProperty("java.version");

  private static final JsonMapper JSON = JsonMapper.shared();

  private AgentRequests() {}

  static String path(String cluster, String op) {
    return "/witness/v1/clusters/" + cluster + "/" + op;
  }

  /** {@code POST .../acquire}: the site asks for the ticket, presenting the newest epoch known. */
  static byte[] acquire(
      String authority, String cluster, String site, String secret, long ttlMillis, long epoch) {
    return post(
        authority,
        path(cluster, "acquire"),
        site,
        secret,
        JSON.writeValueAsBytes(new WitnessWire.Request(site, true, ttlMillis, epoch, false, null)));
  }

  /** {@code POST .../renew}: the holder renews its epoch. */
  static byte[] renew(
      String authority, String cluster, String site, String secret, long ttlMillis, long epoch) {
    return post(
        authority,
        path(cluster, "renew"),
        site,
        secret,
        JSON.writeValueAsBytes(new WitnessWire.Request(site, true, ttlMillis, epoch, false, null)));
  }

  /** {@code POST .../release}. */
  static byte[] release(String authority, String cluster, String site, String secret, long epoch) {
    return post(
        authority,
        path(cluster, "release"),
        site,
        secret,
        JSON.writeValueAsBytes(new WitnessWire.Release(site, epoch)));
  }

  /** {@code GET .../ticket}: a poll. */
  static byte[] ticket(String authority, String cluster, String site, String secret) {
    String head =
        "GET "
            + path(cluster, "ticket")
            + " HTTP/1.1\r\nHost: "
            + authority
            + "\r\nUser-Agent: "
            + USER_AGENT
            + "\r\nAccept: application/json\r\nAuthorization: Bearer "
            + secret
            + "\r\nX-Tandem-Site: "
            + site
            + "\r\n\r\n";
    return head.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] post(
      String authority, String path, String site, String secret, byte[] json) {
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nContent-Length: "
            + json.length
            + "\r\nHost: "
            + authority
            + "\r\nUser-Agent: "
            + USER_AGENT
            + "\r\nAccept: application/json\r\nAuthorization: Bearer "
            + secret
            + "\r\nContent-Type: application/json\r\nX-Tandem-Site: "
            + site
            + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[h.length + json.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(json, 0, all, h.length, json.length);
    return all;
  }

  /**
   * Whether an acquire or renew answer's body grants the ticket ({@code "granted":true}), read
   * without a JSON parser (the generator's CPU is the witness's to measure against).
   */
  static boolean granted(String body) {
    return body.startsWith("{\"granted\":true");
  }

  /** The ticket's epoch in a granted answer, or -1. */
  static long epoch(String body) {
    int i = body.indexOf("\"epoch\":");
    if (i < 0) {
      return -1;
    }
    long v = 0;
    for (int j = i + 8; j < body.length() && Character.isDigit(body.charAt(j)); j++) {
      v = v * 10 + (body.charAt(j) - '0');
    }
    return v;
  }
}
