package io.tandem.app.witness;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tandem.core.witness.SiteCredential;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * The built-in witness server's HTTP face. Each request authenticates as one site (bearer secret);
 * a site may only ask for itself. Refusals are 200 answers with {@code granted: false}.
 */
@RestController
@RequestMapping("/witness/v1/clusters/{cluster}")
@Tag(name = "witness", description = "Built-in witness protocol (sites only)")
public class WitnessController {

  private final ObjectProvider<WitnessBackend> backend;
  private final WitnessVantage vantage;

  public WitnessController(ObjectProvider<WitnessBackend> backend, WitnessVantage vantage) {
    this.backend = backend;
    this.vantage = vantage;
  }

  @PostMapping("/probe")
  @Operation(summary = "SIP OPTIONS from the witness's vantage point to a site's public address")
  public WitnessWire.ProbeAnswer probe(
      @PathVariable String cluster,
      @RequestBody WitnessWire.ProbeRequest body,
      @RequestHeader(value = "Authorization", required = false) String auth) {
    WitnessBackend b = backend();
    if (!b.authenticator().authenticate(body.site(), credential(body.site(), auth))) {
      throw new ResponseStatusException(HttpStatus.FORBIDDEN, "not site '" + body.site() + "'");
    }
    if (body.target() == null || body.target().isBlank()) {
      throw new IllegalArgumentException("target: expected host:port of the site's public address");
    }
    var reading =
        vantage.probe(
            body.site(),
            body.target(),
            body.transport(),
            Duration.ofMillis(Math.max(100, body.timeoutMillis())));
    return new WitnessWire.ProbeAnswer(
        reading.status().name(), reading.value(), reading.unit(), reading.detail());
  }

  @PostMapping("/acquire")
  @Operation(summary = "Ask for the cluster's ticket")
  public WitnessWire.Result acquire(
      @PathVariable String cluster,
      @RequestBody WitnessWire.Request body,
      @RequestHeader(value = "Authorization", required = false) String auth) {
    return WitnessWire.Result.of(
        backend().witness().acquire(request(cluster, body), credential(body.site(), auth)));
  }

  @PostMapping("/renew")
  @Operation(summary = "Renew the ticket this site holds")
  public WitnessWire.Result renew(
      @PathVariable String cluster,
      @RequestBody WitnessWire.Request body,
      @RequestHeader(value = "Authorization", required = false) String auth) {
    return WitnessWire.Result.of(
        backend().witness().renew(request(cluster, body), credential(body.site(), auth)));
  }

  @PostMapping("/release")
  @Operation(summary = "Give the ticket back (planned switchover)")
  public WitnessWire.Result release(
      @PathVariable String cluster,
      @RequestBody WitnessWire.Release body,
      @RequestHeader(value = "Authorization", required = false) String auth) {
    WitnessBackend b = backend();
    b.witness().release(cluster, body.site(), body.epoch(), credential(body.site(), auth));
    return WitnessWire.Result.of(
        TicketResult.refused(b.witness().observe(cluster).orElse(null), "released"));
  }

  @GetMapping("/ticket")
  @Operation(summary = "Observe the ticket")
  public WitnessWire.Result ticket(
      @PathVariable String cluster,
      @RequestHeader(value = "X-Tandem-Site", required = false) String site,
      @RequestHeader(value = "Authorization", required = false) String auth) {
    WitnessBackend b = backend();
    if (!b.authenticator().authenticate(site, credential(site, auth))) {
      throw new ResponseStatusException(HttpStatus.FORBIDDEN, "not site '" + site + "'");
    }
    return WitnessWire.Result.of(
        TicketResult.refused(b.witness().observe(cluster).orElse(null), "observed"));
  }

  private static TicketRequest request(String cluster, WitnessWire.Request body) {
    if (body.ttlMillis() <= 0) {
      throw new IllegalArgumentException("ttlMillis: expected a positive number of milliseconds");
    }
    return new TicketRequest(
        cluster,
        body.site(),
        body.healthy(),
        Duration.ofMillis(body.ttlMillis()),
        body.epoch(),
        body.force(),
        body.acknowledgement());
  }

  /**
   * The bearer secret as a credential; the witness logic checks it against the site (a mismatch is
   * a PermissionException, answered 403). The secret is never logged or echoed.
   */
  private static SiteCredential credential(String site, String auth) {
    if (site == null || site.isBlank()) {
      throw new IllegalArgumentException("site: expected the requesting site's name");
    }
    if (auth == null || !auth.startsWith("Bearer ")) {
      throw new ResponseStatusException(HttpStatus.UNAUTHORIZED, "site credentials required");
    }
    return SiteCredential.of(auth.substring(7).getBytes(StandardCharsets.UTF_8));
  }

  private WitnessBackend backend() {
    WitnessBackend b = backend.getIfAvailable();
    if (b == null) {
      throw new ResponseStatusException(
          HttpStatus.NOT_FOUND, "this node is not a witness (start it with 'tandem witness')");
    }
    return b;
  }
}
