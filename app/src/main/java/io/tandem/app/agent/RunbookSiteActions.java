package io.tandem.app.agent;

import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.config.ServiceAddress;
import io.tandem.core.error.ConfigException;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.TrunkRegistrar;
import io.tandem.core.runbook.RunRequest;
import io.tandem.core.runbook.RunbookEngine;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.core.runbook.standard.FailoverTopology;
import io.tandem.core.runbook.standard.RunbookOptions;
import io.tandem.core.runbook.standard.StandardRunbooks;
import io.tandem.core.witness.FencingToken;
import io.tandem.onprem.vip.LocalHostCommand;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the agent does to its site: {@link #activate} runs the standard failover runbook (this site
 * takes over from the old active) on a background thread, one run at a time; {@link #fence} stops
 * this site serving, best effort and bounded: the PBX refuses new calls, this site's trunk contacts
 * are unregistered, its virtual IPs are dropped. Each part has its own timeout and the whole fence
 * completes after {@code fenceBudget} at the latest, because the decision loop waits for it.
 *
 * <p>Thread-safe: the driver calls it from its tick thread; runs and fences happen elsewhere.
 */
final class RunbookSiteActions implements io.tandem.app.agent.SiteActions, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RunbookSiteActions.class);

  /** Started and finished runs, for the runtime's event stream. */
  interface RunListener {
    void started(String runId, String from, String to);

    void finished(String runId, Optional<RunReport> report, String error);
  }

  private final String site;
  private final FailoverTopologies topologies;
  private final RunbookEngine engine;
  private final RunbookOptions options;
  private final PbxControl pbx;
  private final Supplier<Optional<TrunkRegistrar>> trunks;
  private final Map<String, String> localContacts;
  private final Supplier<String> oldActive;
  private final Supplier<List<Decision>> history;
  private final Clock clock;
  private final Duration fenceBudget;
  private final RunListener listener;
  private final ExecutorService runs;
  private final ExecutorService fences = Executors.newVirtualThreadPerTaskExecutor();

  RunbookSiteActions(
      String site,
      FailoverTopologies topologies,
      RunbookEngine engine,
      RunbookOptions options,
      PbxControl pbx,
      Supplier<Optional<TrunkRegistrar>> trunks,
      Map<String, String> localContacts,
      Supplier<String> oldActive,
      Supplier<List<Decision>> history,
      Clock clock,
      Duration fenceBudget,
      RunListener listener) {
    this.site = site;
    this.topologies = topologies;
    this.engine = engine;
    this.options = options;
    this.pbx = pbx;
    this.trunks = trunks;
    this.localContacts = Map.copyOf(localContacts);
    this.oldActive = oldActive;
    this.history = history;
    this.clock = clock;
    this.fenceBudget = fenceBudget;
    this.listener = listener;
    this.runs =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "tandem-runbook-" + site);
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public void activate(FencingToken token, String reason) {
    Instant decidedAt = clock.instant();
    // the outage was detected when the loop first set out to acquire (its newest ACQUIRING turn)
    Instant detectedAt =
        history.get().stream()
            .filter(d -> d.to() == AgentState.ACQUIRING && d.from() != AgentState.ACQUIRING)
            .map(Decision::at)
            .reduce((a, b) -> b.isAfter(a) ? b : a)
            .orElse(decidedAt);
    String from = oldActive.get();
    String runId = "failover-" + token.epoch() + "-" + decidedAt.toEpochMilli();
    runs.execute(
        () -> {
          FailoverTopology t;
          try {
            t = topologies.between(from, site);
          } catch (RuntimeException e) {
            log.error("agent {}: no failover from {}: {}", site, from, e.getMessage());
            listener.finished(runId, Optional.empty(), e.getMessage());
            return;
          }
          var runbook = StandardRunbooks.failover(t, options);
          if (resumeUnfinished(runbook, token)) {
            return;
          }
          listener.started(runId, from, site);
          try {
            RunReport r =
                engine.run(
                    runbook, RunRequest.outage(runId, token, detectedAt, detectedAt, decidedAt));
            log.info("agent {}: run {} ended: {}", site, runId, r.outcome());
            listener.finished(runId, Optional.of(r), null);
          } catch (RuntimeException e) {
            log.error("agent {}: run {} failed: {}", site, runId, e.getMessage());
            listener.finished(runId, Optional.empty(), e.getMessage());
          }
        });
  }

  /**
   * A run a previous agent process left unfinished (killed mid-run) is resumed from its journal
   * under the new token, so no unsafe step is repeated; it then stands for this activation. A run
   * whose steps no longer match (another old site, another configuration) cannot be resumed: it is
   * left for an operator ({@code resolveByHand} or re-plan) and a new run starts.
   *
   * @return whether a run was resumed to its end
   */
  private boolean resumeUnfinished(io.tandem.core.runbook.Runbook runbook, FencingToken token) {
    for (String id : engine.unfinishedRuns()) {
      RunReport r;
      try {
        r = engine.resume(id, runbook, token);
      } catch (ConfigException e) {
        log.warn("agent {}: unfinished run {} not resumed: {}", site, id, e.getMessage());
        continue;
      } catch (RuntimeException e) {
        // a damaged journal must not keep this site from taking over: leave it to an operator
        log.error("agent {}: unfinished run {} cannot be read: {}", site, id, e.toString());
        continue;
      }
      log.info("agent {}: resumed run {} ended: {}", site, id, r.outcome());
      listener.started(id, "(resumed)", site);
      listener.finished(id, Optional.of(r), null);
      return true;
    }
    return false;
  }

  @Override
  public CompletionStage<Void> fence(String reason) {
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    parts.add(part("PBX stop new calls", pbx::stopNewCalls));
    trunks
        .get()
        .ifPresent(
            registrar ->
                localContacts.forEach(
                    (trunk, contact) ->
                        parts.add(
                            part(
                                "unregister trunk " + trunk,
                                () -> registrar.unregister(trunk, contact)))));
    for (ServiceAddress.VirtualIp vip : topologies.localVips()) {
      parts.add(
          part(
              "drop VIP " + vip.address(),
              () ->
                  LocalHostCommand.local(vip.host())
                      .run(
                          List.of("ip", "addr", "del", vip.address(), "dev", vip.interfaceName()),
                          fenceBudget)));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
        .completeOnTimeout(
            null, fenceBudget.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** One best-effort fencing part: failures are logged, never propagated. */
  private CompletableFuture<Void> part(String what, Runnable action) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            action.run();
          } catch (RuntimeException e) {
            log.warn("agent {}: fencing part '{}' failed: {}", site, what, e.getMessage());
          }
        },
        fences);
  }

  @Override
  public void close() {
    runs.shutdownNow();
    fences.shutdownNow();
  }
}
