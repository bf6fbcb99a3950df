package io.tandem.app.sync;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tandem.app.audit.AuditEntry;
import io.tandem.app.audit.AuditLog;
import io.tandem.core.config.SyncJobConfig;
import io.tandem.core.port.SyncStatus;
import io.tandem.core.sync.StaleAcknowledgements;
import io.tandem.core.sync.SyncDecision;
import java.security.Principal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The operators' view of sync: {@code GET /api/v1/sync} lists each job with its freshness (last
 * success, age, stale or not, what the last run moved, bytes in total) and the recent decisions
 * with their words; {@code POST /api/v1/sync/{job}/run} runs a job now through the gate (audited).
 */
@RestController
@RequestMapping("/api/v1/sync")
@Tag(name = "sync", description = "Health-gated sync: freshness, decisions, run now")
public class SyncApiController {

  /** One job as the API shows it. */
  public record JobView(
      String job,
      String kind,
      String transport,
      long intervalSeconds,
      long staleAfterSeconds,
      Instant lastSuccess,
      double ageSeconds,
      boolean stale,
      String detail,
      SyncStatus.LastRun lastRun,
      long bytesTotal,
      DecisionView lastDecision) {}

  /** A decision as the API shows it. */
  public record DecisionView(
      String job,
      String from,
      String to,
      String outcome,
      String reason,
      String words,
      long epoch,
      long files,
      long rows,
      long bytes,
      long durationMillis,
      Instant at) {

    static DecisionView of(SyncDecision d) {
      return new DecisionView(
          d.job(),
          d.from(),
          d.to(),
          d.outcome().name(),
          d.reason().name(),
          d.words(),
          d.epoch(),
          d.files(),
          d.rows(),
          d.bytes(),
          d.durationMillis(),
          d.at());
    }
  }

  /**
   * An operator's acknowledgement that a switchover may go ahead with stale jobs.
   *
   * @param jobs the jobs (empty: every job)
   * @param reason why, for the audit log
   * @param acknowledgement exactly {@value StaleAcknowledgements#SENTENCE}
   */
  public record AcceptStaleRequest(List<String> jobs, String reason, String acknowledgement) {}

  /** The whole view. */
  public record SyncView(String site, List<JobView> jobs, List<DecisionView> decisions) {}

  private final ObjectProvider<SyncAgent> agent;
  private final ObjectProvider<AuditLog> audit;
  private final Clock clock;

  public SyncApiController(
      ObjectProvider<SyncAgent> agent, ObjectProvider<AuditLog> audit, Clock clock) {
    this.agent = agent;
    this.audit = audit;
    this.clock = clock;
  }

  @GetMapping
  @Operation(summary = "Every sync job's freshness and the recent sync decisions")
  public ResponseEntity<SyncView> view(@RequestParam(defaultValue = "50") int decisions) {
    SyncAgent a = agent.getIfUnique();
    if (a == null) {
      return ResponseEntity.ok(new SyncView("", List.of(), List.of()));
    }
    return ResponseEntity.ok(view(a, Math.max(0, Math.min(decisions, 200))));
  }

  static SyncView view(SyncAgent a, int decisions) {
    List<JobView> jobs = new ArrayList<>();
    for (SyncJobConfig j : a.service().jobs()) {
      SyncStatus s = a.service().status(j.name());
      jobs.add(
          new JobView(
              j.name(),
              j.kind().configName(),
              j.transport().configName(),
              j.interval().toSeconds(),
              j.staleAfter().toSeconds(),
              s.lastSuccess().orElse(null),
              s.lagSeconds(),
              s.stale(),
              s.detail(),
              s.lastRun().orElse(null),
              s.bytesTotal(),
              a.ledger().last(j.name()).map(DecisionView::of).orElse(null)));
    }
    return new SyncView(
        a.site(), jobs, a.recentDecisions(decisions).stream().map(DecisionView::of).toList());
  }

  @PostMapping("/accept-stale")
  @Operation(
      summary = "Let the next planned switchover go ahead although sync jobs are stale (audited)",
      description =
          "The body must carry the exact acknowledgement '"
              + StaleAcknowledgements.SENTENCE
              + "' and a reason. Valid for 10 minutes and one switchover. A failover never waits"
              + " for sync and needs none.")
  public ResponseEntity<Object> acceptStale(@RequestBody AcceptStaleRequest req, Principal who) {
    SyncAgent a = agent.getIfUnique();
    if (a == null) {
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
          .body(Map.of("error", "this node runs no agent"));
    }
    String actor = who == null ? "anonymous" : who.getName();
    List<String> jobs = req.jobs() == null || req.jobs().isEmpty() ? List.of("*") : req.jobs();
    String refusal = null;
    if (!StaleAcknowledgements.SENTENCE.equals(req.acknowledgement())) {
      refusal = "acknowledgement: expected exactly '" + StaleAcknowledgements.SENTENCE + "'";
    } else if (req.reason() == null || req.reason().isBlank()) {
      refusal = "reason: say why the switchover cannot wait for sync";
    } else {
      for (String j : jobs) {
        if (!j.equals("*") && a.service().jobs().stream().noneMatch(c -> c.name().equals(j))) {
          refusal = "jobs: no sync job " + j;
        }
      }
    }
    AuditLog log = audit.getIfAvailable();
    if (refusal != null) {
      if (log != null) {
        log.append(
            AuditEntry.of(
                clock.instant(),
                actor,
                "sync-accept-stale",
                String.join(",", jobs),
                "refused",
                refusal));
      }
      return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("error", refusal));
    }
    List<String> words = new ArrayList<>();
    for (String j : jobs) {
      words.add(j + ": " + a.acknowledgements().accept(j, actor, req.reason().strip()).words());
    }
    String detail = String.join("; ", words);
    if (log != null) {
      log.append(
          AuditEntry.of(
              clock.instant(),
              actor,
              "sync-accept-stale",
              String.join(",", jobs),
              "accepted",
              detail));
    }
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("accepted", detail));
  }

  @PostMapping("/{job}/run")
  @Operation(summary = "Run a sync job now (through the health gate); answers its decisions")
  public ResponseEntity<Object> run(@PathVariable String job, Principal who) {
    SyncAgent a = agent.getIfUnique();
    if (a == null) {
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
          .body(Map.of("error", "this node runs no agent"));
    }
    if (a.service().jobs().stream().noneMatch(j -> j.name().equals(job))) {
      return ResponseEntity.status(HttpStatus.NOT_FOUND)
          .body(Map.of("error", "no sync job " + job));
    }
    List<DecisionView> out = a.service().runNow(job).stream().map(DecisionView::of).toList();
    AuditLog log = audit.getIfAvailable();
    if (log != null) {
      log.append(
          AuditEntry.of(
              clock.instant(),
              who == null ? "anonymous" : who.getName(),
              "sync-run",
              job,
              "accepted",
              out.stream()
                  .map(DecisionView::words)
                  .reduce((x, y) -> x + "; " + y)
                  .orElse("no peer")));
    }
    return ResponseEntity.ok(out);
  }
}
