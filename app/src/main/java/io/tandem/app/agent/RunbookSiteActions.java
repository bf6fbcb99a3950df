package io.tandem.app.agent;

import io.tandem.core.agent.effects.Activation;
import io.tandem.core.agent.effects.ActivationResult;
import io.tandem.core.agent.effects.FenceRequest;
import io.tandem.core.agent.effects.FenceResult;
import io.tandem.core.agent.effects.SiteEffects;
import io.tandem.core.config.ServiceAddress;
import io.tandem.core.error.ConfigException;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.TrunkRegistrar;
import io.tandem.core.runbook.Notice;
import io.tandem.core.runbook.Notifier;
import io.tandem.core.runbook.RunbookEngine;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.core.witness.FencingToken;
import io.tandem.onprem.vip.LocalHostCommand;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link SiteEffects}: what the agent does to its site and to the shared resources.
 *
 * <p>{@link #activate} runs, on this site's runbook thread and one at a time, the runbook the
 * activation's cause calls for ({@link ActivationPlans}): first it deals with runs a previous
 * process left unfinished — one of the epoch still held is resumed and stands for this activation;
 * one of an older epoch is closed as superseded (issue 12.5); a damaged journal is quarantined
 * (issue 12.3) — then starts a fresh run. It always completes, with an {@link ActivationResult}
 * that says in words how the run ended; a run that cannot even start (journal unwritable, disk
 * full) completes FAILED, never with a lost exception, so the agent core retries and steps down
 * (issue 12.4).
 *
 * <p>{@link #fence} first cancels running activations (their steps are interrupted), then stops
 * this site serving as far as its mode says: FULL — the PBX refuses new calls, this site's trunk
 * contacts are removed, its virtual IPs dropped; HANDOVER — the PBX refuses new calls and keeps its
 * calls, registration and addresses for the successor's drain. Every part has its own bound and the
 * whole fence completes within {@code fenceBudget}, UNKNOWN when a part failed or did not answer.
 *
 * <p>Thread-safe: called from the agent's tick thread; runs and fences happen elsewhere.
 */
final class RunbookSiteActions implements SiteEffects, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RunbookSiteActions.class);

  /** Started and finished runs, for the runtime's event stream and its list of runs. */
  interface RunListener {
    void started(String runId, String kind, String from, String to);

    void finished(String runId, Optional<RunReport> report, String error);
  }

  private final String site;
  private final RunbookEngine engine;
  private final ActivationPlans plans;
  private final FailoverTopologies topologies;
  private final PbxControl pbx;
  private final Optional<TrunkRegistrar> trunks;
  private final Map<String, String> localContacts;
  private final Notifier notifier;
  private final Clock clock;
  private final Duration fenceBudget;
  private final RunListener listener;
  private final ExecutorService runs;
  private final ExecutorService fences = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<String, Integer> attempts = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * @param notifier told (ALARM) about an activation that could not even run; runs that end badly
   *     are notified by the engine
   */
  RunbookSiteActions(
      String site,
      RunbookEngine engine,
      ActivationPlans plans,
      FailoverTopologies topologies,
      PbxControl pbx,
      Optional<TrunkRegistrar> trunks,
      Map<String, String> localContacts,
      Notifier notifier,
      Clock clock,
      Duration fenceBudget,
      RunListener listener) {
    this.site = site;
    this.engine = engine;
    this.plans = plans;
    this.topologies = topologies;
    this.pbx = pbx;
    this.trunks = trunks;
    this.localContacts = Map.copyOf(localContacts);
    this.notifier = notifier;
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

  // ---- rehearsal ----

  /**
   * Runs the activation path once before any fault, on this site's runbook thread (started by it),
   * changing nothing (issue 17.2): the engine's {@link RunbookEngine#rehearse rehearsal} and the
   * plan of every runbook an activation of this site can choose ({@link ActivationPlans}: a
   * failover from each other site fencing it, a switchover from each, a first activation), built
   * and thrown away. A fresh agent's first takeover otherwise loads and initialises that code
   * between the decision and its first step: 50-120 ms on a loaded machine against 5-20 ms for a
   * warm one. Nothing is told (no run listener, report, notification or bus event) and no provider
   * is called: the plans' fence decisions come from the synthetic causes, never from reading the
   * service. A real activation handed over meanwhile waits for it on the same thread.
   *
   * @return completes (never exceptionally) once the rehearsal ended; true if every part ran
   */
  CompletableFuture<Boolean> rehearse() {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    try {
      runs.execute(
          () -> {
            long t0 = System.nanoTime();
            boolean ok = true;
            try {
              RunReport r = engine.rehearse();
              ok = r.outcome().equals("SUCCEEDED");
              if (!ok) {
                log.warn("agent {}: rehearsal of the runbook engine: {}", site, r.reason());
              }
            } catch (RuntimeException e) {
              ok = false;
              log.warn("agent {}: rehearsal of the runbook engine failed: {}", site, e.toString());
            }
            try {
              rehearsePlans();
            } catch (RuntimeException e) {
              ok = false;
              log.warn(
                  "agent {}: rehearsal of the activation plans failed: {}", site, e.toString());
            }
            log.info(
                "agent {}: activation path rehearsed in {} ms (nothing changed)",
                site,
                (System.nanoTime() - t0) / 1_000_000);
            done.complete(ok);
          });
    } catch (RejectedExecutionException e) {
      done.complete(false);
    }
    return done;
  }

  private void rehearsePlans() {
    java.time.Instant now = clock.instant();
    // epoch 2 over a last serving epoch of 1: the fence is decided from the cause (no read)
    FencingToken token = new FencingToken("rehearsal", site, 2);
    List<io.tandem.core.agent.effects.ActivationCause> causes = new ArrayList<>();
    causes.add(new io.tandem.core.agent.effects.ActivationCause.FirstActivation());
    for (String other : topologies.others(site)) {
      causes.add(
          new io.tandem.core.agent.effects.ActivationCause.Outage(Optional.of(other), 1, now));
      causes.add(new io.tandem.core.agent.effects.ActivationCause.PlannedHandover(other, 1));
    }
    List<String> failed = new ArrayList<>();
    for (io.tandem.core.agent.effects.ActivationCause c : causes) {
      try {
        plans.plan(new Activation(token, c, "rehearsal", now));
      } catch (RuntimeException e) {
        failed.add(c.label() + ": " + e.getMessage());
      }
    }
    if (!failed.isEmpty()) {
      throw new IllegalStateException(String.join("; ", failed));
    }
  }

  // ---- activation ----

  @Override
  public CompletionStage<ActivationResult> activate(Activation a) {
    CompletableFuture<ActivationResult> done = new CompletableFuture<>();
    try {
      runs.execute(
          () -> {
            try {
              done.complete(carryOut(a));
            } catch (Throwable t) {
              // nothing may be lost on this thread: the core must hear that the job was not done
              log.error("agent {}: activation under epoch {} failed", site, a.token().epoch(), t);
              done.complete(alarm(a, Optional.empty(), "activation could not run: " + t));
              if (t instanceof VirtualMachineError e) {
                throw e;
              }
            }
          });
    } catch (RejectedExecutionException e) {
      done.complete(failed(a, Optional.empty(), "the agent is stopping: no run was started"));
    }
    return done;
  }

  private ActivationResult carryOut(Activation a) {
    FencingToken token = a.token();
    Optional<ActivationResult> resumed = dealWithUnfinished(a);
    if (resumed.isPresent()) {
      return resumed.get();
    }
    ActivationPlans.Planned p = plans.plan(a);
    String runId = runIdFor(p.request().runId());
    listener.started(runId, p.runbook().kind().name(), p.from(), site);
    RunReport r;
    try {
      r = engine.run(p.runbook(), p.request().withRunId(runId));
    } catch (RuntimeException e) {
      log.error("agent {}: run {} could not complete: {}", site, runId, e.toString());
      listener.finished(runId, Optional.empty(), e.getMessage());
      return alarm(
          a, Optional.of(runId), "run " + runId + " could not complete: " + e.getMessage());
    }
    log.info("agent {}: run {} ended: {} ({})", site, runId, r.outcome(), r.reason());
    listener.finished(runId, Optional.of(r), null);
    return result(token.epoch(), r);
  }

  /**
   * A run id of its own for each attempt at an activation (the agent core retries a failed one with
   * the same activation): {@code <base>}, then {@code <base>-2}, ..., never one with a journal.
   */
  private String runIdFor(String base) {
    int attempt = attempts.merge(base, 1, Integer::sum);
    return engine.freshRunId(attempt == 1 ? base : base + "-" + attempt);
  }

  /**
   * Runs a previous process left unfinished: damaged journals are quarantined by the engine's
   * listing; a run of the epoch still held is resumed with the runbook this activation would run
   * and, if it ends, stands for it; any other is closed as superseded so that a fresh run observes
   * everything again.
   */
  private Optional<ActivationResult> dealWithUnfinished(Activation a) {
    List<String> unfinished;
    try {
      unfinished = engine.unfinishedRuns();
    } catch (RuntimeException e) {
      log.error("agent {}: cannot list unfinished runs: {}", site, e.toString());
      return Optional.empty();
    }
    for (String id : unfinished) {
      try {
        long epoch = engine.startedUnder(id);
        if (epoch == a.token().epoch()) {
          ActivationPlans.Planned p = plans.plan(a);
          RunReport r = engine.resume(id, p.runbook(), a.token());
          log.info("agent {}: resumed run {} ended: {}", site, id, r.outcome());
          listener.started(id, r.kind(), "(resumed)", site);
          listener.finished(id, Optional.of(r), null);
          if (!r.outcome().equals("UNFINISHED")) {
            return Optional.of(result(a.token().epoch(), r));
          }
          continue;
        }
        supersede(id, a.token(), "a fresh run starts under epoch " + a.token().epoch());
      } catch (ConfigException e) {
        // the runbook changed (another old site, another configuration): start afresh
        supersede(id, a.token(), "it cannot be resumed (" + e.getMessage() + ")");
      } catch (RuntimeException e) {
        log.error("agent {}: unfinished run {} left alone: {}", site, id, e.toString());
      }
    }
    return Optional.empty();
  }

  private void supersede(String id, FencingToken token, String reason) {
    try {
      RunReport r = engine.supersede(id, token, reason);
      listener.started(id, r.kind(), "(superseded)", site);
      listener.finished(id, Optional.of(r), null);
    } catch (RuntimeException e) {
      log.error("agent {}: could not close unfinished run {}: {}", site, id, e.toString());
    }
  }

  private static ActivationResult result(long epoch, RunReport r) {
    ActivationResult.Outcome o =
        switch (r.outcome()) {
          case "SUCCEEDED" -> ActivationResult.Outcome.SUCCEEDED;
          case "FENCED" -> ActivationResult.Outcome.CANCELLED;
          case "NEEDS_MANUAL_INTERVENTION", "UNFINISHED" -> ActivationResult.Outcome.NEEDS_OPERATOR;
          default -> ActivationResult.Outcome.FAILED;
        };
    return new ActivationResult(
        epoch,
        o,
        "run " + r.runId() + " " + r.outcome() + ": " + r.reason(),
        Optional.of(r.runId()));
  }

  /** A failed activation that no run report carries: an ALARM says so, then the result. */
  private ActivationResult alarm(Activation a, Optional<String> runId, String words) {
    try {
      notifier.send(
          new Notice(
              Notice.Severity.ALARM,
              "Activation of site " + site + " under epoch " + a.token().epoch() + " FAILED",
              words + " (" + a.cause().label() + ": " + a.words() + ")",
              false));
    } catch (RuntimeException e) {
      log.error("agent {}: could not send the alarm: {}", site, e.toString());
    }
    return failed(a, runId, words);
  }

  private static ActivationResult failed(Activation a, Optional<String> runId, String words) {
    return new ActivationResult(a.token().epoch(), ActivationResult.Outcome.FAILED, words, runId);
  }

  // ---- fencing ----

  @Override
  public CompletionStage<FenceResult> fence(FenceRequest request) {
    // the core's budget (fenceLead when the ticket runs out), never more than the cap
    Duration budget = request.budget().compareTo(fenceBudget) < 0 ? request.budget() : fenceBudget;
    List<String> cancelled = engine.cancelAll("fencing: " + request.reason());
    List<Part> parts = new ArrayList<>();
    Part stop = part("PBX refuses new calls", pbx::stopNewCalls);
    parts.add(stop);
    if (request.mode() == FenceRequest.Mode.HANDOVER && !topologies.localVips().isEmpty()) {
      // A hand-over keeps this site's addresses for the successor's drain of its calls; a PBX that
      // is not running has no calls to drain, and its address left here would cost the successor a
      // remote removal and a fresh duplicate probe (issue 17: PBX crash). So then they go now.
      CompletableFuture<Boolean> gone =
          stop.future().thenApplyAsync(r -> r.isEmpty() && pbx.notRunning(), fences);
      for (ServiceAddress.VirtualIp vip : topologies.localVips()) {
        parts.add(
            part(
                "VIP " + vip.address() + " dropped (the PBX is not running: nothing to drain)",
                gone,
                () -> dropVip(vip, budget)));
      }
    }
    if (request.mode() == FenceRequest.Mode.FULL) {
      trunks.ifPresent(
          registrar ->
              localContacts.forEach(
                  (trunk, contact) ->
                      parts.add(
                          part(
                              "trunk " + trunk + " contact " + contact + " removed",
                              () -> registrar.unregister(trunk, contact)))));
      for (ServiceAddress.VirtualIp vip : topologies.localVips()) {
        parts.add(part("VIP " + vip.address() + " dropped", () -> dropVip(vip, budget)));
      }
    }
    CompletableFuture<?>[] all = parts.stream().map(Part::future).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(all)
        .completeOnTimeout(null, budget.toMillis(), TimeUnit.MILLISECONDS)
        .handle((ok, err) -> summary(request, parts, cancelled, budget));
  }

  /**
   * {@code ip addr del} of a VIP on this host: done when it was removed or was not there ("Address
   * not found"); any other answer (no such device, no permission) is a failed part, never done.
   */
  private static void dropVip(ServiceAddress.VirtualIp vip, Duration budget) {
    io.tandem.onprem.vip.HostCommand.CommandResult r =
        LocalHostCommand.local(vip.host())
            .run(List.of("ip", "addr", "del", vip.address(), "dev", vip.interfaceName()), budget);
    if (!r.ok() && !r.stderr().contains("Address not found")) {
      throw new io.tandem.core.error.TransientException(
          "ip addr del "
              + vip.address()
              + " dev "
              + vip.interfaceName()
              + " failed (exit "
              + r.exitCode()
              + "): "
              + r.stderr().strip());
    }
  }

  /**
   * One part of a fence and how it went ({@code future} empty while it has not finished); {@code
   * needed} false: the part turned out not to apply and is left out of the result.
   */
  private record Part(
      String what, CompletableFuture<Boolean> needed, CompletableFuture<Optional<String>> future) {}

  private Part part(String what, Runnable action) {
    return part(what, CompletableFuture.completedFuture(true), action);
  }

  /** A part that runs only once {@code needed} says true. */
  private Part part(String what, CompletableFuture<Boolean> needed, Runnable action) {
    CompletableFuture<Optional<String>> f =
        needed.thenApplyAsync(
            yes -> {
              if (!yes) {
                return Optional.empty();
              }
              try {
                action.run();
                return Optional.empty();
              } catch (RuntimeException e) {
                log.warn("agent {}: fencing part '{}' failed: {}", site, what, e.getMessage());
                return Optional.of(String.valueOf(e.getMessage()));
              }
            },
            fences);
    return new Part(what, needed, f);
  }

  private FenceResult summary(
      FenceRequest request, List<Part> parts, List<String> cancelled, Duration budget) {
    List<String> done = new ArrayList<>();
    List<String> open = new ArrayList<>();
    for (Part p : parts) {
      if (!p.needed().getNow(true)) {
        continue;
      }
      Optional<String> failure =
          p.future().getNow(Optional.of("no answer within " + budget.toMillis() + " ms"));
      if (failure.isEmpty()) {
        done.add(p.what());
      } else {
        open.add(p.what() + ": " + failure.get());
      }
    }
    String runs = cancelled.isEmpty() ? "" : "; cancelled runs " + cancelled;
    String mode = request.mode() == FenceRequest.Mode.HANDOVER ? "handover fence" : "fence";
    if (open.isEmpty()) {
      return new FenceResult(
          FenceResult.Outcome.DONE, mode + " done: " + String.join("; ", done) + runs);
    }
    return new FenceResult(
        FenceResult.Outcome.UNKNOWN,
        mode
            + " not confirmed: "
            + String.join("; ", open)
            + (done.isEmpty() ? "" : "; done: " + String.join("; ", done))
            + runs);
  }

  @Override
  public void close() {
    runs.shutdownNow();
    fences.shutdownNow();
  }
}
