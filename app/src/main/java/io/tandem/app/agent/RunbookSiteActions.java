package io.tandem.app.agent;

import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.effects.Activation;
import io.tandem.core.agent.effects.ActivationCause;
import io.tandem.core.agent.effects.ActivationResult;
import io.tandem.core.agent.effects.FenceRequest;
import io.tandem.core.agent.effects.FenceResult;
import io.tandem.core.agent.effects.SiteEffects;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the agent does to its site: {@link #activate} runs the standard failover runbook (this site
 * takes over from the old active) on a background thread, one run at a time, and completes with how
 * the run ended; {@link #fence} stops this site serving, best effort and bounded: the PBX refuses
 * new calls, this site's trunk contacts are unregistered, its virtual IPs are dropped. Each part
 * has its own timeout and the whole fence completes after {@code fenceBudget} at the latest,
 * because the decision loop waits for it: {@code DONE} only when every part confirmed in time,
 * {@code UNKNOWN} otherwise (a fence that timed out is never reported done).
 *
 * <p>This is today's behaviour mapped onto the {@link SiteEffects} seam; the activation cause picks
 * only the site to take over from (the site last seen serving, or the one that handed over).
 *
 * <p>Thread-safe: the driver calls it from its tick thread; runs and fences happen elsewhere.
 */
final class RunbookSiteActions implements SiteEffects, AutoCloseable {

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
  private final Supplier<String> preferredOther;
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
      Supplier<String> preferredOther,
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
    this.preferredOther = preferredOther;
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
  public CompletionStage<ActivationResult> activate(Activation activation) {
    FencingToken token = activation.token();
    Instant decidedAt = activation.decidedAt();
    // the outage was detected when the loop first set out to acquire (its newest ACQUIRING turn)
    Instant detectedAt =
        history.get().stream()
            .filter(d -> d.to() == AgentState.ACQUIRING && d.from() != AgentState.ACQUIRING)
            .map(Decision::at)
            .reduce((a, b) -> b.isAfter(a) ? b : a)
            .orElse(decidedAt);
    Instant outageAt =
        activation.cause() instanceof ActivationCause.Outage o
                && o.faultFirstSeen().isBefore(detectedAt)
            ? o.faultFirstSeen()
            : detectedAt;
    String from = takeOverFrom(activation.cause());
    String runId = "failover-" + token.epoch() + "-" + decidedAt.toEpochMilli();
    CompletableFuture<ActivationResult> done = new CompletableFuture<>();
    try {
      runs.execute(
          () -> {
            try {
              done.complete(run(token, from, runId, outageAt, detectedAt, decidedAt));
            } catch (RuntimeException e) {
              log.error("agent {}: run {} failed: {}", site, runId, e.toString());
              done.complete(result(token, ActivationResult.Outcome.FAILED, e.toString(), runId));
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      done.complete(
          result(token, ActivationResult.Outcome.CANCELLED, "the agent is stopping", runId));
    }
    return done;
  }

  /** The site this activation takes over from: the one seen serving or handing over. */
  private String takeOverFrom(ActivationCause cause) {
    return switch (cause) {
      case ActivationCause.Outage o -> o.lastServing().orElseGet(preferredOther);
      case ActivationCause.Forced f -> f.lastServing().orElseGet(preferredOther);
      case ActivationCause.PlannedHandover h -> h.from();
      case ActivationCause.Drill d -> d.from();
      case ActivationCause.FirstActivation f -> preferredOther.get();
    };
  }

  private ActivationResult run(
      FencingToken token,
      String from,
      String runId,
      Instant outageAt,
      Instant detectedAt,
      Instant decidedAt) {
    FailoverTopology t;
    try {
      t = topologies.between(from, site);
    } catch (RuntimeException e) {
      log.error("agent {}: no failover from {}: {}", site, from, e.getMessage());
      listener.finished(runId, Optional.empty(), e.getMessage());
      return result(token, ActivationResult.Outcome.FAILED, e.getMessage(), runId);
    }
    var runbook = StandardRunbooks.failover(t, options);
    Optional<RunReport> resumed = resumeUnfinished(runbook, token);
    if (resumed.isPresent()) {
      return result(token, resumed.get());
    }
    listener.started(runId, from, site);
    try {
      RunReport r =
          engine.run(runbook, RunRequest.outage(runId, token, outageAt, detectedAt, decidedAt));
      log.info("agent {}: run {} ended: {}", site, runId, r.outcome());
      listener.finished(runId, Optional.of(r), null);
      return result(token, r);
    } catch (RuntimeException e) {
      log.error("agent {}: run {} failed: {}", site, runId, e.getMessage());
      listener.finished(runId, Optional.empty(), e.getMessage());
      return result(token, ActivationResult.Outcome.FAILED, String.valueOf(e.getMessage()), runId);
    }
  }

  private static ActivationResult result(FencingToken token, RunReport r) {
    ActivationResult.Outcome outcome =
        switch (r.outcome()) {
          case "SUCCEEDED" -> ActivationResult.Outcome.SUCCEEDED;
          case "FENCED" -> ActivationResult.Outcome.CANCELLED;
          case "ABORTED", "NEEDS_MANUAL_INTERVENTION" -> ActivationResult.Outcome.NEEDS_OPERATOR;
          default -> ActivationResult.Outcome.FAILED;
        };
    String words =
        "run " + r.runId() + " " + r.outcome() + (r.reason() == null ? "" : ": " + r.reason());
    return new ActivationResult(token.epoch(), outcome, words, Optional.of(r.runId()));
  }

  private static ActivationResult result(
      FencingToken token, ActivationResult.Outcome outcome, String words, String runId) {
    return new ActivationResult(token.epoch(), outcome, words, Optional.of(runId));
  }

  /**
   * A run a previous agent process left unfinished (killed mid-run) is resumed from its journal
   * under the new token, so no unsafe step is repeated; it then stands for this activation. A run
   * whose steps no longer match (another old site, another configuration) cannot be resumed: it is
   * left for an operator ({@code resolveByHand} or re-plan) and a new run starts.
   *
   * @return the report of a run resumed to its end, if one was
   */
  private Optional<RunReport> resumeUnfinished(
      io.tandem.core.runbook.Runbook runbook, FencingToken token) {
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
      return Optional.of(r);
    }
    return Optional.empty();
  }

  @Override
  public CompletionStage<FenceResult> fence(FenceRequest request) {
    Duration budget = request.budget().compareTo(fenceBudget) < 0 ? request.budget() : fenceBudget;
    List<Part> parts = new ArrayList<>();
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
                          budget)));
    }
    return CompletableFuture.allOf(parts.stream().map(Part::done).toArray(CompletableFuture[]::new))
        .completeOnTimeout(null, budget.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(ignored -> verdict(parts, budget));
  }

  /** DONE only if every part confirmed within the budget; a part still running is unknown. */
  private static FenceResult verdict(List<Part> parts, Duration budget) {
    List<String> problems = new ArrayList<>();
    for (Part p : parts) {
      String failure =
          p.done().getNow(p.what() + " did not answer within " + budget.toMillis() + " ms");
      if (failure != null) {
        problems.add(failure);
      }
    }
    return problems.isEmpty()
        ? new FenceResult(FenceResult.Outcome.DONE, "fenced: " + parts.size() + " parts confirmed")
        : new FenceResult(
            FenceResult.Outcome.UNKNOWN, "fence unknown: " + String.join("; ", problems));
  }

  /** A fencing part; {@code done} completes with null when it worked, else with what failed. */
  private record Part(String what, CompletableFuture<String> done) {}

  /** One best-effort fencing part: failures are logged and reported, never thrown. */
  private Part part(String what, Runnable action) {
    return new Part(
        what,
        CompletableFuture.supplyAsync(
            () -> {
              try {
                action.run();
                return null;
              } catch (RuntimeException e) {
                log.warn("agent {}: fencing part '{}' failed: {}", site, what, e.getMessage());
                return what + " failed: " + e.getMessage();
              }
            },
            fences));
  }

  @Override
  public void close() {
    runs.shutdownNow();
    fences.shutdownNow();
  }
}
