package io.tandem.app.witness;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ProtocolException;
import io.tandem.core.error.TransientException;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.Witness;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * Agent-side client of the built-in witness server over HTTP(S).
 *
 * <p>Every call has a request timeout; a connection failure or timeout is a {@link
 * TransientException} (the ticket holder then counts down to its local deadline), a 401/403 a
 * {@link PermissionException}. The site's secret is sent as a bearer token and never logged.
 * Thread-safe.
 */
public final class HttpWitness implements Witness {

  private final HttpClient http;
  private final URI base;
  private final String site;
  private final Supplier<String> siteSecret;
  private final Duration timeout;
  private final JsonMapper json;

  /**
   * @param http a client (its TLS context decides server verification and client certificates)
   * @param base e.g. {@code https://witness.example.net:8443}
   * @param site the site this agent authenticates as
   * @param siteSecret this site's credential, resolved at each call (rotation friendly)
   * @param timeout per-request timeout, well below the renew interval
   */
  public HttpWitness(
      HttpClient http,
      URI base,
      String site,
      Supplier<String> siteSecret,
      Duration timeout,
      JsonMapper json) {
    this.http = http;
    this.base = base;
    this.site = site;
    this.siteSecret = siteSecret;
    this.timeout = timeout;
    this.json = json;
  }

  @Override
  public TicketResult acquire(TicketRequest request) {
    return post(request.cluster(), "acquire", wire(request));
  }

  @Override
  public TicketResult renew(TicketRequest request) {
    return post(request.cluster(), "renew", wire(request));
  }

  @Override
  public void release(String cluster, String site, long epoch) {
    send(cluster, "release", json.writeValueAsString(new WitnessWire.Release(site, epoch)), "POST");
  }

  /** True: the server is the built-in witness (one lock per cluster, rule 2). */
  @Override
  public boolean answersConcurrentAcquiresAlike() {
    return true;
  }

  @Override
  public Optional<Ticket> observe(String cluster) {
    String body = send(cluster, "ticket", null, "GET");
    WitnessWire.TicketBody t = json.readValue(body, WitnessWire.Result.class).ticket();
    return Optional.ofNullable(t).map(WitnessWire.TicketBody::toTicket);
  }

  /**
   * Asks the witness to send SIP OPTIONS from its own network position to {@code hostPort} (the
   * site's public address) and returns what it saw.
   */
  public WitnessWire.ProbeAnswer probe(
      String cluster, String hostPort, String transport, Duration probeTimeout) {
    String body =
        send(
            cluster,
            "probe",
            json.writeValueAsString(
                new WitnessWire.ProbeRequest(site, hostPort, transport, probeTimeout.toMillis())),
            "POST",
            probeTimeout.plus(timeout));
    return json.readValue(body, WitnessWire.ProbeAnswer.class);
  }

  private static WitnessWire.Request wire(TicketRequest r) {
    return new WitnessWire.Request(
        r.site(),
        r.healthy(),
        r.ttl().toMillis(),
        r.epoch(),
        r.force(),
        r.force() ? r.acknowledgement() : null);
  }

  private TicketResult post(String cluster, String op, WitnessWire.Request body) {
    String answer = send(cluster, op, json.writeValueAsString(body), "POST");
    return json.readValue(answer, WitnessWire.Result.class).toResult();
  }

  private String send(String cluster, String op, String body, String method) {
    return send(cluster, op, body, method, timeout);
  }

  private String send(
      String cluster, String op, String body, String method, Duration requestTimeout) {
    URI uri =
        base.resolve(
            "/witness/v1/clusters/"
                + URLEncoder.encode(cluster, StandardCharsets.UTF_8)
                + "/"
                + op);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(requestTimeout)
            .header("Authorization", "Bearer " + siteSecret.get())
            .header("X-Tandem-Site", site)
            .header("Accept", "application/json");
    if ("POST".equals(method)) {
      b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    } else {
      b.GET();
    }
    HttpResponse<String> resp;
    try {
      resp = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new TransientException("witness " + base + " unreachable: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("interrupted while talking to witness " + base, e);
    }
    int s = resp.statusCode();
    if (s == 200) {
      return resp.body();
    }
    String why = detail(resp.body());
    if (s == 401 || s == 403) {
      throw new PermissionException(
          "witness " + base + " refused " + op + " for site " + site + " (HTTP " + s + why + ")");
    }
    if (s >= 500 || s == 429) {
      throw new TransientException("witness " + base + " answered HTTP " + s + why);
    }
    if (s == 404 && !why.isEmpty()) {
      throw new ConfigException(
          "witness " + base + " does not serve cluster " + cluster + " (HTTP 404" + why + ")");
    }
    throw new ProtocolException("witness " + base + " answered HTTP " + s + " to " + op + why);
  }

  /** The problem detail's {@code detail}, printable and short, as ": ..." (or empty). */
  private String detail(String body) {
    try {
      WitnessWire.Problem p = json.readValue(body, WitnessWire.Problem.class);
      if (p == null || p.detail() == null) {
        return "";
      }
      String d = p.detail().replaceAll("[^\\x20-\\x7e]", "?");
      return ": " + (d.length() > 200 ? d.substring(0, 200) + "..." : d);
    } catch (RuntimeException e) {
      return "";
    }
  }
}
