package io.tandem.app.witness;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TransientException;
import io.tandem.core.health.SensorReading;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.SiteCredential;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.WitnessCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The witness protocol over HTTP ({@code /witness/v1/clusters/{cluster}/acquire|renew|release|
 * ticket|probe}, {@code /witness/v1/health}), independent of the server that carries it ({@link
 * WitnessHttpServer}).
 *
 * <p>What it guarantees, in the order it checks: a malformed path or name is refused before
 * anything is looked up (names are DNS labels, never echoed); admission control ({@link Admission})
 * turns requests away with 503 before their body is parsed when the server is overloaded; the site
 * proves its identity with its own cluster's secret ({@link BuiltInWitness} checks it); probes go
 * only to targets the site's configuration names. Errors are RFC 9457 problem details that never
 * contain a path, a stack trace, a request body or a secret. Refusals of the protocol are answers
 * (200, {@code granted: false}). The body limit is the server's: it refuses a larger body from its
 * {@code Content-Length} before reading it. Thread-safe: one instance serves every request; a call
 * may block (an acquire waits for its grant to be durable, a probe for its SIP answer).
 */
final class WitnessProtocol {

  private static final Logger log = LoggerFactory.getLogger(WitnessProtocol.class);
  private static final String PREFIX = "/witness/v1/clusters/";
  private static final byte[] HEALTH = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);

  /**
   * A request as the server read it.
   *
   * @param method the HTTP method
   * @param rawPath the path, not percent-decoded
   * @param header a request header's first value by name (case-insensitive), or null
   * @param body the body (already bounded by the server)
   */
  record Call(String method, String rawPath, Function<String, String> header, byte[] body) {}

  /**
   * An answer to send.
   *
   * @param status the HTTP status
   * @param headers headers besides Content-Length (which the server sets)
   * @param body the body
   */
  record Answer(int status, Map<String, String> headers, byte[] body) {}

  /** A refusal of the request itself (not of the ticket), answered as a problem detail. */
  static final class Problem extends RuntimeException {
    final int status;
    final Map<String, String> headers = new LinkedHashMap<>();

    Problem(int status, String detail) {
      super(detail, null, false, false);
      this.status = status;
    }

    Problem header(String name, String value) {
      headers.put(name, value);
      return this;
    }
  }

  private final BuiltInWitness witness;
  private final Map<String, Map<String, Set<WitnessServerConfig.ProbeTarget>>> probeTargets;
  private final WitnessVantage vantage;
  private final Admission admission;
  private final int maxBody;
  private final JsonMapper json = JsonMapper.shared();

  WitnessProtocol(
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

  /** Answers one request; never throws. */
  Answer handle(Call call) {
    try {
      return route(call);
    } catch (RuntimeException e) {
      return handleFailure(e);
    }
  }

  private Answer handleFailure(RuntimeException failure) {
    try {
      throw failure;
    } catch (Problem p) {
      return problem(p.status, p.getMessage(), p.headers);
    } catch (PermissionException e) {
      return problem(403, "the credentials do not prove this site of this cluster", Map.of());
    } catch (ResourceNotFoundException e) {
      return problem(404, "this witness does not serve that cluster", Map.of());
    } catch (TransientException e) {
      // e.g. the state could not be made durable: the grant was refused, the site retries
      log.warn("witness request failed: {}", e.getMessage());
      return problem(
          503,
          "the witness could not complete the request now; try again",
          Map.of("Retry-After", "1"));
    } catch (RuntimeException e) {
      log.error("witness request failed unexpectedly", e);
      return problem(500, "internal error", Map.of());
    }
  }

  /** A problem answer for a refusal the server makes itself (e.g. a body over the limit). */
  Answer problem(int status, String detail, Map<String, String> headers) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put("Content-Type", "application/problem+json");
    return new Answer(
        status,
        h,
        json.writeValueAsBytes(
            new WitnessWire.Problem("about:blank", title(status), status, detail)));
  }

  /** What a request addresses, once its path, name, method and size are checked. */
  private record Target(String cluster, String op, Admission.Kind kind) {}

  /**
   * Answers at once, on the caller's thread, when that needs no waiting: a renewal or a ticket read
   * (the common requests) while a permit is free and the cluster's state needs neither its lock
   * held by a grant being made durable nor a write; and every refusal of the request itself. Empty
   * otherwise: then call {@link #handle} on a thread that may wait. Never throws.
   */
  Optional<Answer> handleIfImmediate(Call call) {
    try {
      if (call.rawPath().equals("/witness/v1/health")) {
        return Optional.of(route(call));
      }
      Target t = target(call);
      if (!t.op().equals("renew") && !t.op().equals("ticket")) {
        return Optional.empty();
      }
      if (!admission.tryEnter(t.kind())) {
        return Optional.empty();
      }
      try {
        if (t.op().equals("renew")) {
          WitnessWire.Request r = body(call, WitnessWire.Request.class);
          return witness
              .renewIfImmediate(request(t.cluster(), r), credential(call, r.site()))
              .map(this::answer);
        }
        String site = call.header().apply("X-Tandem-Site");
        return witness
            .observeIfImmediate(t.cluster(), site, credential(call, site))
            .map(ticket -> answer(TicketResult.refused(ticket.orElse(null), "observed")));
      } finally {
        admission.exit();
      }
    } catch (RuntimeException e) {
      return Optional.of(handleFailure(e));
    }
  }

  private Target target(Call call) {
    String path = call.rawPath();
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
    requireMethod(call, op.equals("ticket") ? "GET" : "POST");
    if (call.body().length > maxBody) {
      throw new Problem(413, "request body larger than " + maxBody + " bytes");
    }
    return new Target(cluster, op, kind);
  }

  private Answer route(Call call) {
    if (call.rawPath().equals("/witness/v1/health")) {
      requireMethod(call, "GET");
      return json(HEALTH);
    }
    Target t = target(call);
    String cluster = t.cluster();
    String op = t.op();
    Admission.Kind kind = t.kind();
    if (!admission.enter(kind)) {
      throw new Problem(503, "the witness is overloaded; try again").header("Retry-After", "1");
    }
    WitnessWire.ProbeRequest probe;
    try {
      switch (op) {
        case "acquire" -> {
          WitnessWire.Request r = body(call, WitnessWire.Request.class);
          return answer(witness.acquire(request(cluster, r), credential(call, r.site())));
        }
        case "renew" -> {
          WitnessWire.Request r = body(call, WitnessWire.Request.class);
          return answer(witness.renew(request(cluster, r), credential(call, r.site())));
        }
        case "release" -> {
          WitnessWire.Release r = body(call, WitnessWire.Release.class);
          SiteCredential c = credential(call, r.site());
          requireEpoch(r.epoch());
          witness.release(cluster, r.site(), r.epoch(), c);
          return answer(
              TicketResult.refused(witness.observe(cluster, r.site(), c).orElse(null), "released"));
        }
        case "ticket" -> {
          String site = call.header().apply("X-Tandem-Site");
          SiteCredential c = credential(call, site);
          return answer(
              TicketResult.refused(witness.observe(cluster, site, c).orElse(null), "observed"));
        }
        default -> {
          probe = body(call, WitnessWire.ProbeRequest.class);
          // authenticates the site against its cluster, as every other operation does
          witness.observe(cluster, probe.site(), credential(call, probe.site()));
        }
      }
    } finally {
      admission.exit();
    }
    return probe(cluster, probe); // the SIP round trip waits outside the admission permit
  }

  private Answer probe(String cluster, WitnessWire.ProbeRequest r) {
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
    return json(
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
  private static SiteCredential credential(Call call, String site) {
    if (!WitnessCluster.validName(site)) {
      throw new Problem(400, "site: expected the requesting site's name (a lower-case DNS label)");
    }
    String auth = call.header().apply("Authorization");
    if (auth == null || !auth.startsWith("Bearer ") || auth.length() == 7) {
      throw new Problem(401, "site credentials required (Authorization: Bearer <site secret>)")
          .header("WWW-Authenticate", "Bearer realm=\"tandem-witness\"");
    }
    return SiteCredential.of(auth.substring(7).getBytes(StandardCharsets.UTF_8));
  }

  private <T> T body(Call call, Class<T> type) {
    try {
      T value = json.readValue(call.body(), type);
      if (value == null) {
        throw new Problem(400, "expected a JSON object");
      }
      return value;
    } catch (JacksonException e) {
      throw new Problem(400, "expected a JSON body as in docs/witness-protocol.md");
    }
  }

  private Answer answer(TicketResult result) {
    return json(json.writeValueAsBytes(WitnessWire.Result.of(result)));
  }

  private static Answer json(byte[] body) {
    return new Answer(200, Map.of("Content-Type", "application/json"), body);
  }

  private static void requireMethod(Call call, String method) {
    if (!call.method().equals(method)) {
      throw new Problem(405, "expected " + method).header("Allow", method);
    }
  }

  static String title(int status) {
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
