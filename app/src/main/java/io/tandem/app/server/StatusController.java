package io.tandem.app.server;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tandem.app.api.ClusterRuntime;
import io.tandem.app.api.ClusterStatus;
import io.tandem.app.api.DecisionView;
import io.tandem.app.api.RunView;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Read-only views: cluster status, decisions with reasons, runbook runs and reports. */
@RestController
@RequestMapping("/api/v1")
@Tag(name = "status", description = "Cluster state, decisions and runbook reports (viewer)")
public class StatusController {

  private final ClusterRuntime runtime;

  public StatusController(ClusterRuntime runtime) {
    this.runtime = runtime;
  }

  @GetMapping("/status")
  @Operation(summary = "Sites, their state and health, the ticket holder and epoch")
  public ClusterStatus status() {
    return runtime.status();
  }

  @GetMapping("/decisions")
  @Operation(summary = "The latest decisions of the decision loop, newest first, with reasons")
  public List<DecisionView> decisions(@RequestParam(defaultValue = "50") int limit) {
    if (limit < 1 || limit > 1000) {
      throw new IllegalArgumentException("limit: expected 1..1000, got " + limit);
    }
    return runtime.decisions(limit);
  }

  @GetMapping(value = "/plan", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(summary = "Dry run: the steps a failover/switchover would take; changes nothing")
  public Object plan(
      @RequestParam String target, @RequestParam(defaultValue = "false") boolean switchover) {
    return runtime.plan(target, switchover, true);
  }

  @GetMapping(value = "/plan.txt", produces = MediaType.TEXT_PLAIN_VALUE)
  @Operation(summary = "Dry run as text for people")
  public String planText(
      @RequestParam String target, @RequestParam(defaultValue = "false") boolean switchover) {
    return runtime.plan(target, switchover, false).toString();
  }

  @GetMapping("/runs")
  @Operation(summary = "Runbook runs (failovers, switchovers, drills)")
  public List<RunView> runs() {
    return runtime.runs();
  }

  @GetMapping(value = "/runs/{id}/report", produces = MediaType.APPLICATION_JSON_VALUE)
  @Operation(summary = "A run's report: timeline, RTO breakdown, changes, failures (JSON)")
  public ResponseEntity<Object> report(@PathVariable String id) {
    return runtime
        .report(id, true)
        .map(ResponseEntity::ok)
        .orElseThrow(() -> new NotFoundException("no run with id '" + id + "'"));
  }

  @GetMapping(value = "/runs/{id}/report.txt", produces = MediaType.TEXT_PLAIN_VALUE)
  @Operation(summary = "A run's report for people")
  public ResponseEntity<String> reportText(@PathVariable String id) {
    return runtime
        .report(id, false)
        .map(o -> ResponseEntity.ok(o.toString()))
        .orElseThrow(() -> new NotFoundException("no run with id '" + id + "'"));
  }
}
