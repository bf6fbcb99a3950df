package io.tandem.app.witness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TransientException;
import io.tandem.core.health.SensorReading;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.SiteCredential;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.WitnessCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The witness protocol over HTTP ({@code /witness/v1/clusters/{cluster}/acquire|renew|release|
 * ticket|probe}, {@code /witness/v1/health}), on the JDK's HTTP server.
 *
 * <p>What it guarantees, in the order it checks: a malformed path or name is refused before
 * anything is looked up (names are DNS labels, never echoed); admission control ({@link Admission})
 * turns requests away with 503 before reading their body when the server is overloaded; the body is
 * limited before it is read ({@code Content-Length} checked first, then at most the limit read);
 * the site proves its identity with its own cluster's secret ({@link BuiltInWitness} checks it);
 * probes go only to targets the site's configuration names. Errors are RFC 9457 problem details
 * that never contain a path, a stack trace, a request body or a secret. Refusals of the protocol
 * are answers (200, {@code granted: false}). Thread-safe: one instance serves every exchange.
 */
final class WitnessHandler implements HttpHandler {

  private static final Logger log = LoggerFactory.getLogger(WitnessHandler.class);
  private static final String PREFIX = "/witness/v1/clusters/";
  private static final byte[] HEALTH = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);

  private final BuiltInWitness witness;
  private final Map<String, Map<String, Set<WitnessServerConfig.ProbeTarget>>> probeTargets;
  private final WitnessVantage vantage;
  private final Admission admission;
  private final int maxBody;
  private final JsonMapper json = JsonMapper.shared();

  WitnessHandler(
      BuiltInWitness witness,
      Map<String, Map<String, Set<WitnessServerConfig.ProbeTarget>>> probeTargets,
      WitnessVantage vantage,
      Admission admission,
      int maxBody) {
    this.witness = witness;
    this.probeTargets = Map.copyOf(probeTargets);
    this.vantage = vantage;
    this.admission = admission;
    this.maxBody = maxBody;
  }

  /** A refusal of the request itself (not of the ticket), answered as a problem detail. */
  static final class Problem extends RuntimeException {
    final int status;

    Problem(int status, String detail) {
      super(detail, null, false, false);
      this.status = status;
    }
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    try (ex) {
      try {
        route(ex);
      } catch (Problem p) {
        problem(ex, p.status, p.getMessage());
      } catch (PermissionException e) {
        problem(ex, 403, "the credentials do not prove this site of this cluster");
      } catch (ResourceNotFoundException e) {
        problem(ex, 404, "this witness does not serve that cluster");
      } catch (TransientException e) {
        // e.g. the state could not be made durable: the grant was refused, the site retries
        log.warn("witness request failed: {}", e.getMessage());
        ex.getResponseHeaders().set("Retry-After", "1");
        problem(ex, 503, "the witness could not complete the request now; try again");
      } catch (IOException e) {
        throw e;
      } catch (RuntimeException e) {
        log.error("witness request failed unexpectedly", e);
        problem(ex, 500, "internal error");
      }
    }
  }

  private void route(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    if (path.equals("/witness/v1/health")) {
      requireMethod(ex, "GET");
      send(ex, 200, HEALTH);
      return;
    }
    if (!path.startsWith(PREFIX)) {
      throw new Problem(404, "no such resource");
    }
    int slash = path.indexOf('/', PREFIX.length());
    String cluster = slash < 0 ? "" : path.substring(PREFIX.length(), slash);
    String op = slash < 0 ? "" : path.substring(slash + 1);
    if (!WitnessCluster.validName(cluster)) {
      throw new Problem(400, "cluster: expected a cluster name (a lower-case DNS label)");
    }
    Admission.Kind kind =
        switch (op) {
          case "acquire", "renew", "release" -> Admission.Kind.HOLDER;
          case "ticket", "probe" -> Admission.Kind.POLL;
          default -> throw new Problem(404, "no such resource");
        };
    requireMethod(ex, op.equals("ticket") ? "GET" : "POST");
    if (!admission.enter(kind)) {
      ex.getResponseHeaders().set("Retry-After", "1");
      throw new Problem(503, "the witness is overloaded; try again");
    }
    WitnessWire.ProbeRequest probe;
    try {
      switch (op) {
        case "acquire" -> {
          WitnessWire.Request r = body(ex, WitnessWire.Request.class);
          answer(ex, witness.acquire(request(cluster, r), credential(ex, r.site())));
          return;
        }
        case "renew" -> {
          WitnessWire.Request r = body(ex, WitnessWire.Request.class);
          answer(ex, witness.renew(request(cluster, r), credential(ex, r.site())));
          return;
        }
        case "release" -> {
          WitnessWire.Release r = body(ex, WitnessWire.Release.class);
          SiteCredential c = credential(ex, r.site());
          requireEpoch(r.epoch());
          witness.release(cluster, r.site(), r.epoch(), c);
          answer(
              ex,
              TicketResult.refused(witness.observe(cluster, r.site(), c).orElse(null), "released"));
          return;
        }
        case "ticket" -> {
          String site = ex.getRequestHeaders().getFirst("X-Tandem-Site");
          SiteCredential c = credential(ex, site);
          answer(
              ex, TicketResult.refused(witness.observe(cluster, site, c).orElse(null), "observed"));
          return;
        }
        default -> {
          probe = body(ex, WitnessWire.ProbeRequest.class);
          // authenticates the site against its cluster, as every other operation does
          witness.observe(cluster, probe.site(), credential(ex, probe.site()));
        }
      }
    } finally {
      admission.exit();
    }
    probe(ex, cluster, probe); // the SIP round trip waits outside the admission permit
  }

  private void probe(HttpExchange ex, String cluster, WitnessWire.ProbeRequest r)
      throws IOException {
    String transport = r.transport() == null ? "udp" : r.transport();
    var allowed = probeTargets.getOrDefault(cluster, Map.of()).getOrDefault(r.site(), Set.of());
    if (r.target() == null
        || !allowed.contains(new WitnessServerConfig.ProbeTarget(r.target(), transport))) {
      throw new Problem(
          403,
          "target: not a target of this site's sip-options-external sensors in the witness's"
              + " configuration");
    }
    SensorReading reading =
        vantage.probe(
            r.site(), r.target(), transport, Duration.ofMillis(Math.max(100, r.timeoutMillis())));
    send(
        ex,
        200,
        json.writeValueAsBytes(
            new WitnessWire.ProbeAnswer(
                reading.status().name(), reading.value(), reading.unit(), reading.detail())));
  }

  private static TicketRequest request(String cluster, WitnessWire.Request body) {
    if (body.ttlMillis() <= 0) {
      throw new Problem(400, "ttlMillis: expected a positive number of milliseconds");
    }
    requireEpoch(body.epoch());
    return new TicketRequest(
        cluster,
        body.site(),
        body.healthy(),
        Duration.ofMillis(body.ttlMillis()),
        body.epoch(),
        body.force(),
        body.acknowledgement());
  }

  private static void requireEpoch(long epoch) {
    if (epoch < 0 || epoch > TicketRequest.MAX_EPOCH) {
      throw new Problem(400, "epoch: expected a number from 0 to 2^62");
    }
  }

  /** The bearer secret as the credential of {@code site}; never logged or echoed. */
  private static SiteCredential credential(HttpExchange ex, String site) {
    if (!WitnessCluster.validName(site)) {
      throw new Problem(400, "site: expected the requesting site's name (a lower-case DNS label)");
    }
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth == null || !auth.startsWith("Bearer ") || auth.length() == 7) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"tandem-witness\"");
      throw new Problem(401, "site credentials required (Authorization: Bearer <site secret>)");
    }
    return SiteCredential.of(auth.substring(7).getBytes(StandardCharsets.UTF_8));
  }

  private <T> T body(HttpExchange ex, Class<T> type) throws IOException {
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        throw new Problem(400, "Content-Length: expected a number");
      }
      if (declared > maxBody) {
        throw new Problem(413, "request body larger than " + maxBody + " bytes");
      }
    }
    byte[] bytes;
    try (InputStream in = ex.getRequestBody()) {
      bytes = in.readNBytes(maxBody + 1);
    }
    if (bytes.length > maxBody) {
      throw new Problem(413, "request body larger than " + maxBody + " bytes");
    }
    try {
      T value = json.readValue(bytes, type);
      if (value == null) {
        throw new Problem(400, "expected a JSON object");
      }
      return value;
    } catch (JacksonException e) {
      throw new Problem(400, "expected a JSON body as in docs/witness-protocol.md");
    }
  }

  private void answer(HttpExchange ex, TicketResult result) throws IOException {
    send(ex, 200, json.writeValueAsBytes(WitnessWire.Result.of(result)));
  }

  private static void requireMethod(HttpExchange ex, String method) {
    if (!ex.getRequestMethod().equals(method)) {
      ex.getResponseHeaders().set("Allow", method);
      throw new Problem(405, "expected " + method);
    }
  }

  private void problem(HttpExchange ex, int status, String detail) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/problem+json");
    byte[] body =
        json.writeValueAsBytes(
            new WitnessWire.Problem("about:blank", title(status), status, detail));
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 413 -> "Content Too Large";
      case 503 -> "Service Unavailable";
      default -> "Internal Server Error";
    };
  }
}
