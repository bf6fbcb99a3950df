package io.tandem.app.peer;

import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tandem.app.agent.AgentDriver;
import io.tandem.core.config.SafeText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Receives the peer link: reports, promise requests and promises from the other agents, checked by
 * {@link PeerAuthentication} (these paths are open at the Spring Security level and authenticate
 * with the HMAC instead), then handed to the local {@link AgentDriver}. A message must come from
 * the site it speaks for. Answers 202 when accepted, 401 when the signature, timestamp or sender is
 * wrong, 403 when a site speaks for another, 400 for a malformed body, 503 when this node runs no
 * agent.
 */
@RestController
@RequestMapping("/peer/v1")
@Tag(name = "peer", description = "Agent-to-agent link (agents only, HMAC-signed)")
public class PeerController {

  private static final Logger log = LoggerFactory.getLogger(PeerController.class);

  private final ObjectProvider<AgentDriver> driver;
  private final ObjectProvider<PeerAuthentication> auth;
  private final ObjectProvider<MeterRegistry> meters;
  private final JsonMapper json = JsonMapper.shared();
  private final PeerRefusalLog refusals = new PeerRefusalLog(log, java.time.Clock.systemUTC());

  public PeerController(
      ObjectProvider<AgentDriver> driver,
      ObjectProvider<PeerAuthentication> auth,
      ObjectProvider<MeterRegistry> meters) {
    this.driver = driver;
    this.auth = auth;
    this.meters = meters;
  }

  @PostMapping("/report")
  @Operation(summary = "A peer's report of its state and health")
  public ResponseEntity<String> report(
      @RequestHeader(value = PeerAuthentication.SITE_HEADER, required = false) String site,
      @RequestHeader(value = PeerAuthentication.TIMESTAMP_HEADER, required = false) String ts,
      @RequestHeader(value = PeerAuthentication.SIGNATURE_HEADER, required = false) String sig,
      @RequestBody(required = false) byte[] body) {
    return handle(
        "report",
        site,
        ts,
        sig,
        body,
        (d, from) -> {
          PeerMessages.Report r = json.readValue(body, PeerMessages.Report.class);
          if (!from.equals(r.site()) || r.state() == null) {
            return refuse(HttpStatus.FORBIDDEN, "a report must be about its sender");
          }
          d.onReport(r.toCore());
          return accepted();
        });
  }

  @PostMapping("/promise-request")
  @Operation(summary = "A peer asks this site to promise not to acquire")
  public ResponseEntity<String> promiseRequest(
      @RequestHeader(value = PeerAuthentication.SITE_HEADER, required = false) String site,
      @RequestHeader(value = PeerAuthentication.TIMESTAMP_HEADER, required = false) String ts,
      @RequestHeader(value = PeerAuthentication.SIGNATURE_HEADER, required = false) String sig,
      @RequestBody(required = false) byte[] body) {
    return handle(
        "promise-request",
        site,
        ts,
        sig,
        body,
        (d, from) -> {
          PeerMessages.PromiseRequest r = json.readValue(body, PeerMessages.PromiseRequest.class);
          if (!from.equals(r.from())) { // also refuses a missing requester
            return refuse(HttpStatus.FORBIDDEN, "a promise request must come from its requester");
          }
          d.onPromiseRequest(r.from(), r.sentAtNanos());
          return accepted();
        });
  }

  @PostMapping("/promise")
  @Operation(summary = "A peer's promise (or refusal) answering our request")
  public ResponseEntity<String> promise(
      @RequestHeader(value = PeerAuthentication.SITE_HEADER, required = false) String site,
      @RequestHeader(value = PeerAuthentication.TIMESTAMP_HEADER, required = false) String ts,
      @RequestHeader(value = PeerAuthentication.SIGNATURE_HEADER, required = false) String sig,
      @RequestBody(required = false) byte[] body) {
    return handle(
        "promise",
        site,
        ts,
        sig,
        body,
        (d, from) -> {
          PeerMessages.Promise m = json.readValue(body, PeerMessages.Promise.class);
          if (m.words() == null) {
            return refuse(HttpStatus.BAD_REQUEST, "malformed promise");
          }
          if (!from.equals(m.promiser()) || !d.site().equals(m.promisee())) {
            return refuse(HttpStatus.FORBIDDEN, "a promise must come from its promiser, to us");
          }
          d.onPromise(m.toCore());
          return accepted();
        });
  }

  @FunctionalInterface
  private interface Handler {
    ResponseEntity<String> handle(AgentDriver driver, String from);
  }

  private ResponseEntity<String> handle(
      String kind, String site, String ts, String sig, byte[] body, Handler handler) {
    AgentDriver d = driver.getIfUnique(); // a lab with several in-process drivers has no single one
    PeerAuthentication a = auth.getIfUnique();
    if (d == null || a == null) {
      return refuse(HttpStatus.SERVICE_UNAVAILABLE, "this node runs no agent");
    }
    byte[] bytes = body == null ? new byte[0] : body;
    PeerAuthentication.Verdict v = a.verify(site, ts, sig, kind, bytes);
    if (v != PeerAuthentication.Verdict.ACCEPTED) {
      // counted always; in the log the first of a run at WARN, repeats at DEBUG (PeerRefusalLog)
      MeterRegistry m = meters.getIfAvailable();
      if (m != null) {
        m.counter("tandem.peer.refused", "kind", kind, "verdict", v.name()).increment();
      }
      refusals.refused(kind, SafeText.cut(site, 64), v);
      return refuse(HttpStatus.UNAUTHORIZED, v.name().toLowerCase(java.util.Locale.ROOT));
    }
    if (site.equals(d.site())) {
      return refuse(HttpStatus.FORBIDDEN, "a message from this site to itself");
    }
    try {
      return handler.handle(d, site);
    } catch (JacksonException e) {
      return refuse(HttpStatus.BAD_REQUEST, "malformed " + kind);
    }
  }

  private static ResponseEntity<String> accepted() {
    return ResponseEntity.status(HttpStatus.ACCEPTED).build();
  }

  private static ResponseEntity<String> refuse(HttpStatus status, String why) {
    return ResponseEntity.status(status).body(why);
  }
}
