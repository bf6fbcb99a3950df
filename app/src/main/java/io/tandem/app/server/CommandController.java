package io.tandem.app.server;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tandem.app.api.ClusterRuntime;
import io.tandem.app.api.CommandResult;
import io.tandem.app.audit.AuditEntry;
import io.tandem.app.audit.AuditLog;
import io.tandem.app.audit.AuditUnavailableException;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.security.Principal;
import java.time.Clock;
import java.util.function.Supplier;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Operator commands. Every call is written to the audit log before anything acts on it, and its
 * outcome after; a call refused before it gets here (authentication, role, CSRF, a malformed body)
 * is audited where it is refused.
 */
@RestController
@RequestMapping("/api/v1/commands")
@Tag(name = "commands", description = "Switchover, maintenance, gates, drills (operator)")
public class CommandController {

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(CommandController.class);

  /** A site name as the configuration allows it (a DNS label). */
  static final String SITE = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";

  static final String SITE_MESSAGE = "expected a site name (lower-case letters, digits, dashes)";

  /** A run id as the runbook engine makes it. */
  static final String RUN = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";

  public record SwitchoverRequest(
      @NotBlank @Size(max = 63) @Pattern(regexp = SITE, message = SITE_MESSAGE) String target) {}

  /**
   * @param on required: a request that leaves it out is refused, not read as "off"
   */
  public record MaintenanceRequest(
      @NotBlank @Size(max = 63) @Pattern(regexp = SITE, message = SITE_MESSAGE) String site,
      @NotNull Boolean on) {}

  public record ForceAcquireRequest(
      @NotBlank @Size(max = 63) @Pattern(regexp = SITE, message = SITE_MESSAGE) String site,
      @NotBlank @Size(max = 200) String acknowledgement) {}

  private final ClusterRuntime runtime;
  private final AuditLog audit;
  private final Clock clock;

  public CommandController(ClusterRuntime runtime, AuditLog audit, Clock clock) {
    this.runtime = runtime;
    this.audit = audit;
    this.clock = clock;
  }

  @PostMapping("/switchover")
  @Operation(summary = "Planned switchover to a named site (drains calls first)")
  public ResponseEntity<CommandResult> switchover(
      @Valid @RequestBody SwitchoverRequest req, Principal who) {
    return audited(who, "switchover", req.target(), () -> runtime.switchover(req.target()));
  }

  @PostMapping("/failover")
  @Operation(summary = "Fail over now to a named site, without draining calls")
  public ResponseEntity<CommandResult> failover(
      @Valid @RequestBody SwitchoverRequest req, Principal who) {
    return audited(who, "failover", req.target(), () -> runtime.failover(req.target()));
  }

  @PostMapping("/maintenance")
  @Operation(summary = "Maintenance on/off for a site (no automatic action while on)")
  public ResponseEntity<CommandResult> maintenance(
      @Valid @RequestBody MaintenanceRequest req, Principal who) {
    return audited(
        who,
        req.on() ? "maintenance-on" : "maintenance-off",
        req.site(),
        () -> runtime.maintenance(req.site(), req.on()));
  }

  @PostMapping("/runs/{id}/approve")
  @Operation(
      summary = "Approve the gate a run (or a gated switchover/failover/failback request) waits at")
  public ResponseEntity<CommandResult> approve(
      @PathVariable @Pattern(regexp = RUN, message = "expected a run id") String id,
      Principal who) {
    return audited(who, "approve-gate", id, () -> runtime.approveGate(id, actor(who)));
  }

  @PostMapping("/runs/{id}/deny")
  @Operation(
      summary =
          "Deny the gate a run or request waits at: the run ends aborted, the request is"
              + " dropped")
  public ResponseEntity<CommandResult> deny(
      @PathVariable @Pattern(regexp = RUN, message = "expected a run id") String id,
      Principal who) {
    return audited(who, "deny-gate", id, () -> runtime.denyGate(id, actor(who)));
  }

  private static String actor(Principal who) {
    return who == null ? "anonymous" : who.getName();
  }

  @PostMapping("/runs/{id}/abort")
  @Operation(summary = "Abort a run at the next step boundary")
  public ResponseEntity<CommandResult> abort(
      @PathVariable @Pattern(regexp = RUN, message = "expected a run id") String id,
      Principal who) {
    return audited(who, "abort-run", id, () -> runtime.abortRun(id));
  }

  @PostMapping("/drill")
  @Operation(summary = "Start a drill: switch over to the standby and back, with a report")
  public ResponseEntity<CommandResult> drill(Principal who) {
    return audited(who, "drill", "cluster", runtime::drill);
  }

  @PostMapping("/force-acquire")
  @Operation(
      summary = "Forced acquire (admin): take the ticket without waiting for expiry",
      description =
          "Dangerous: can make two sites active if the other is still serving. The body must"
              + " carry the exact acknowledgement: '"
              + ClusterRuntime.FORCE_ACKNOWLEDGEMENT
              + "'.")
  public ResponseEntity<CommandResult> forceAcquire(
      @Valid @RequestBody ForceAcquireRequest req, Principal who) {
    return audited(
        who,
        "force-acquire",
        req.site(),
        () -> runtime.forceAcquire(req.site(), req.acknowledgement()));
  }

  /**
   * Write-ahead: the request is in the audit log (fsynced) before anything acts on it; if it cannot
   * be written, the command is refused ({@link io.tandem.app.audit.AuditUnavailableException}, 503)
   * and nothing is done. The outcome follows as a second entry; if that one cannot be written the
   * command has still happened and is answered as such (the first entry stands, the failure is
   * logged).
   */
  private ResponseEntity<CommandResult> audited(
      Principal who, String action, String target, Supplier<CommandResult> command) {
    String actor = who == null ? "anonymous" : who.getName();
    audit.append(AuditEntry.of(clock.instant(), actor, action, target, "requested", ""));
    CommandResult result;
    try {
      result = command.get();
    } catch (RuntimeException e) {
      outcome(actor, action, target, "error", e.getMessage());
      throw e;
    }
    outcome(actor, action, target, result.accepted() ? "accepted" : "refused", result.message());
    return ResponseEntity.status(result.accepted() ? HttpStatus.ACCEPTED : HttpStatus.CONFLICT)
        .body(result);
  }

  private void outcome(String actor, String action, String target, String result, String detail) {
    try {
      audit.append(AuditEntry.of(clock.instant(), actor, action, target, result, detail));
    } catch (AuditUnavailableException e) {
      log.error(
          "audit: the outcome of {} {} by {} ({}) could not be written: {}",
          action,
          target,
          actor,
          result,
          e.getMessage());
    }
  }
}
