package io.tandem.app.agent;

import io.tandem.app.api.ClusterRuntime;
import io.tandem.app.api.ClusterStatus;
import io.tandem.app.api.CommandResult;
import io.tandem.app.api.DecisionView;
import io.tandem.app.api.RunView;
import io.tandem.app.api.RuntimeEvent;
import io.tandem.app.api.SensorView;
import io.tandem.app.api.SiteView;
import io.tandem.app.api.StepView;
import io.tandem.app.api.TicketView;
import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.OperatorCommand;
import io.tandem.core.agent.PeerReport;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.FencedException;
import io.tandem.core.health.SensorState;
import io.tandem.core.health.SiteHealth;
import io.tandem.core.runbook.ApprovalDesk;
import io.tandem.core.runbook.Plan;
import io.tandem.core.runbook.Runbook;
import io.tandem.core.runbook.RunbookEngine;
import io.tandem.core.runbook.drill.Drill;
import io.tandem.core.runbook.report.ReportStore;
import io.tandem.core.runbook.report.ReportText;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.core.runbook.standard.RunbookOptions;
import io.tandem.core.runbook.standard.StandardRunbooks;
import io.tandem.core.witness.FencingToken;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API's view of one agent ({@code tandem agent}): this site as it is, peers as they last
 * reported over the peer link, decisions from the decision loop's history, runs from the runbook
 * report store, operator commands mapped onto {@link OperatorCommand}s for the next tick.
 *
 * <p>Commands act on this site only; a switchover is accepted by the active site's agent (it
 * fences, releases and announces the target). A forced acquire takes the app's acknowledgement
 * sentence ({@link ClusterRuntime#FORCE_ACKNOWLEDGEMENT}) and passes core's own sentence ({@link
 * OperatorCommand#FORCE_ACKNOWLEDGEMENT}) to the loop: the operator types one sentence everywhere.
 *
 * <p>Thread-safe; listeners get events one at a time on an internal thread.
 */
public final class AgentRuntime implements ClusterRuntime, AutoCloseable {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AgentRuntime.class);

  private final ClusterConfig config;
  private final AgentDriver driver;
  private final Supplier<SiteHealth> health;
  private final ReportStore reports;
  private final RunbookEngine engine;
  private final ApprovalDesk desk;
  private final FailoverTopologies topologies;
  private final ActivationPlans plans;
  private final RunbookOptions options;
  private final Clock clock;
  private final java.util.function.Function<String, Optional<String>> syncBeforeSwitchover;
  private final java.util.concurrent.atomic.AtomicBoolean drilling =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final List<Consumer<RuntimeEvent>> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService events =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "tandem-events");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, RunView> running = new ConcurrentHashMap<>();

  /** Runs that ended without a report (could not be built or started); the newest few. */
  private final Map<String, RunView> unreported = new ConcurrentHashMap<>();

  private static final int UNREPORTED_KEPT = 20;

  AgentRuntime(
      ClusterConfig config,
      AgentDriver driver,
      Supplier<SiteHealth> health,
      ReportStore reports,
      RunbookEngine engine,
      ApprovalDesk desk,
      FailoverTopologies topologies,
      ActivationPlans plans,
      RunbookOptions options,
      Clock clock,
      java.util.function.Function<String, Optional<String>> syncBeforeSwitchover) {
    this.syncBeforeSwitchover = syncBeforeSwitchover;
    this.config = config;
    this.driver = driver;
    this.health = health;
    this.reports = reports;
    this.engine = engine;
    this.desk = desk;
    this.topologies = topologies;
    this.plans = plans;
    this.options = options;
    this.clock = clock;
  }

  // ---- feeds from the driver and the runbook actions ----

  /** Called on the agent thread for every decision; must not block. */
  void onDecision(Decision d) {
    DecisionView v = view(d);
    publish(new RuntimeEvent("decision", d.at(), v));
    if (d.from() != d.to()) {
      // a state event carries the whole status, as the console renders it (a decision view here
      // broke the console's live view on every state change: "s.sites is not iterable")
      publish(new RuntimeEvent("state", d.at(), status()));
    }
  }

  /** A step's result was journaled (called on the step's thread; must not block). */
  void onStep(io.tandem.core.runbook.RunListener.StepFinished e) {
    publish(
        new RuntimeEvent(
            "step",
            e.endedAt(),
            new StepView(
                e.runId(),
                e.stage(),
                e.stepId(),
                e.status().name(),
                e.startedAt(),
                e.endedAt(),
                e.detail())));
  }

  RunbookSiteActions.RunListener runListener() {
    return new RunbookSiteActions.RunListener() {
      @Override
      public void started(String runId, String kind, String from, String to) {
        RunView v = new RunView(runId, kind, "RUNNING", from, to, clock.instant(), null, null);
        running.put(runId, v);
        publish(new RuntimeEvent("run", v.startedAt(), v));
      }

      @Override
      public void finished(String runId, Optional<RunReport> report, String error) {
        RunView started = running.remove(runId);
        RunView v =
            report
                .map(AgentRuntime.this::view)
                .orElse(
                    new RunView(
                        runId,
                        started == null ? "FAILOVER" : started.kind(),
                        "FAILED: " + error,
                        started == null ? null : started.from(),
                        driver.site(),
                        started == null ? null : started.startedAt(),
                        clock.instant(),
                        null));
        if (report.isEmpty()) {
          if (unreported.size() >= UNREPORTED_KEPT) {
            unreported.values().stream()
                .min(Comparator.comparing(RunView::endedAt))
                .ifPresent(oldest -> unreported.remove(oldest.id()));
          }
          unreported.put(runId, v);
        }
        publish(new RuntimeEvent("run", clock.instant(), v));
      }
    };
  }

  // ---- ClusterRuntime ----

  @Override
  public ClusterStatus status() {
    List<SiteView> sites = new ArrayList<>();
    String active = driver.serving() ? driver.site() : null;
    Map<String, PeerReport> peers = driver.peerReports();
    long now = driver.nowNanos();
    long fresh = driver.settings().peerReportTimeout().toNanos();
    for (SiteConfig s : config.sitesByPreference()) {
      if (s.name().equals(driver.site())) {
        SiteHealth h = health.get();
        sites.add(
            new SiteView(
                s.name(),
                s.kind().toString(),
                driver.loop().state().name(),
                h.healthy(),
                h.summary(),
                h.sensors().stream().map(AgentRuntime::sensor).toList(),
                true));
        continue;
      }
      PeerReport r = peers.get(s.name());
      boolean reachable = r != null && now - r.receivedAtNanos() <= fresh;
      if (r != null && reachable && r.state() == AgentState.ACTIVE && active == null) {
        active = s.name();
      }
      sites.add(
          new SiteView(
              s.name(),
              s.kind().toString(),
              r == null ? "UNKNOWN" : r.state().name(),
              r != null && r.healthy(),
              r == null
                  ? "no report yet"
                  : (r.healthy() ? "healthy" : "unhealthy")
                      + " (as reported"
                      + (reachable ? "" : ", report is old")
                      + ")",
              List.of(),
              reachable));
    }
    TicketView ticket =
        driver
            .holder()
            .ticket()
            .map(t -> new TicketView(t.holder(), t.epoch(), t.expiry()))
            .orElse(null);
    return new ClusterStatus(config.name(), active, ticket, sites, topologies.simulated());
  }

  @Override
  public List<DecisionView> decisions(int limit) {
    List<Decision> recent = driver.loop().history().recent();
    List<DecisionView> out = new ArrayList<>();
    for (int i = recent.size() - 1; i >= 0 && out.size() < limit; i--) {
      out.add(view(recent.get(i)));
    }
    return out;
  }

  @Override
  public List<RunView> runs() {
    List<RunView> out = new ArrayList<>(running.values());
    out.addAll(unreported.values());
    for (String id : reports.runIds()) {
      reports.load(id).map(this::view).ifPresent(out::add);
    }
    out.sort(
        Comparator.comparing(RunView::startedAt, Comparator.nullsLast(Comparator.reverseOrder())));
    return out;
  }

  @Override
  public Optional<Object> report(String runId, boolean json) {
    return reports.load(runId).map(r -> json ? (Object) r : ReportText.render(r));
  }

  @Override
  public CommandResult switchover(String targetSite) {
    return move(targetSite, "switchover");
  }

  /**
   * An operator's failover to a site while the active site is alive: the decision loop has one
   * command for both, so the active agent stops new calls, releases and announces the target, which
   * runs the planned-handover (switchover) runbook — the live site cooperates, so its calls drain
   * and nothing is fenced. An outage is what runs the failover runbook; a forced acquire on the
   * target is the way to take over from a site that does not answer.
   */
  @Override
  public CommandResult failover(String targetSite) {
    return move(targetSite, "failover");
  }

  private CommandResult move(String target, String what) {
    if (config.sites().stream().noneMatch(s -> s.name().equals(target))) {
      return CommandResult.refused(what + ": no site named '" + target + "'");
    }
    if (driver.loop().state() != AgentState.ACTIVE) {
      return CommandResult.refused(
          what
              + ": send it to the active site's agent; "
              + driver.site()
              + " is "
              + driver.loop().state());
    }
    if (target.equals(driver.site())) {
      return CommandResult.refused(what + ": " + target + " is already active");
    }
    if (what.equals("switchover")) {
      // a planned switchover waits (bounded) for fresh sync, or says which job is stale;
      // an operator's failover never waits for sync
      Optional<String> refusal = syncBeforeSwitchover.apply(target);
      if (refusal.isPresent()) {
        return CommandResult.refused(refusal.get());
      }
    }
    driver.command(new OperatorCommand.Switchover(target));
    return CommandResult.accepted(what + " to " + target + " requested", null);
  }

  /**
   * The dry run of a move to {@code targetSite}, from the active site (or, with none active, the
   * most preferred other site): exactly the runbook this agent's activation builder makes for a
   * planned handover ({@code switchover}) or for an outage in which the old site was seen serving,
   * observed now, changing nothing.
   */
  @Override
  public Object plan(String targetSite, boolean switchover, boolean json) {
    try {
      String from =
          Optional.ofNullable(status().activeSite())
              .filter(a -> !a.equals(targetSite))
              .orElseGet(() -> topologies.others(targetSite).getFirst());
      Runbook rb = plans.preview(from, targetSite, switchover);
      // a plan changes nothing; before any ticket exists it is shown as acting under epoch 1
      long epoch = Math.max(1, driver.holder().ticket().map(x -> x.epoch()).orElse(0L));
      Plan p = engine.plan(rb, new FencingToken(config.name(), targetSite, epoch), false);
      return json ? JsonMapper.shared().readTree(p.toJson()) : p.toText();
    } catch (ConfigException e) {
      String msg = "no plan: " + e.getMessage();
      return json ? Map.of("error", msg) : msg;
    }
  }

  @Override
  public CommandResult maintenance(String site, boolean on) {
    if (!driver.site().equals(site)) {
      return CommandResult.refused(
          "maintenance: send it to " + site + "'s agent; this is " + driver.site());
    }
    driver.command(new OperatorCommand.Maintenance(on));
    return CommandResult.accepted("maintenance " + (on ? "on" : "off") + " requested", null);
  }

  @Override
  public CommandResult approveGate(String runId) {
    List<String> gates = desk.waiting().stream().filter(k -> k.startsWith(runId + "/")).toList();
    if (gates.isEmpty()) {
      return CommandResult.refused("run " + runId + " waits at no gate");
    }
    for (String key : gates) {
      desk.approve(
          runId, key.substring(runId.length() + 1), "operator", "approved through the API");
    }
    return CommandResult.accepted("approved " + gates, runId);
  }

  @Override
  public CommandResult abortRun(String runId) {
    return engine.abort(runId, "operator", "aborted through the API")
        ? CommandResult.accepted("run " + runId + " aborted", runId)
        : CommandResult.refused("run " + runId + " is not running here");
  }

  @Override
  public CommandResult drill() {
    if (driver.loop().state() != AgentState.ACTIVE) {
      return CommandResult.refused(
          "drill: send it to the active site's agent; "
              + driver.site()
              + " is "
              + driver.loop().state());
    }
    Optional<FencingToken> token = driver.holder().token();
    List<String> others = topologies.others(driver.site());
    if (token.isEmpty() || others.isEmpty()) {
      return CommandResult.refused("drill: no valid ticket or no standby site to drill with");
    }
    if (!drilling.compareAndSet(false, true)) {
      return CommandResult.refused("drill: a drill is already running");
    }
    String home = driver.site();
    String standby = others.getFirst();
    String id = "drill-" + token.get().epoch() + "-" + clock.millis();
    Supplier<FencingToken> legToken =
        () ->
            driver
                .holder()
                .token()
                .orElseThrow(
                    () -> new FencedException("drill: " + home + " no longer holds its ticket"));
    Thread.ofVirtual()
        .name("tandem-drill")
        .start(
            () -> {
              try {
                var report =
                    new Drill(engine)
                        .run(
                            id,
                            StandardRunbooks.switchover(topologies.between(home, standby), options),
                            // back: the standby's PBX is not ours to drain; nothing is fenced
                            StandardRunbooks.failover(
                                topologies.between(standby, home, false), options),
                            legToken,
                            legToken);
                publish(new RuntimeEvent("run", clock.instant(), report.summary()));
              } catch (RuntimeException e) {
                log.warn("drill {} failed: {}", id, e.toString());
                publish(new RuntimeEvent("run", clock.instant(), "drill " + id + " failed: " + e));
              } finally {
                drilling.set(false);
              }
            });
    return CommandResult.accepted(
        "drill "
            + id
            + ": moving the service resources to "
            + standby
            + " and back under ticket epoch "
            + token.get().epoch()
            + " (runs "
            + id
            + "-forward, "
            + id
            + "-back)",
        id);
  }

  @Override
  public CommandResult forceAcquire(String site, String acknowledgement) {
    if (!FORCE_ACKNOWLEDGEMENT.equals(acknowledgement)) {
      return CommandResult.refused("force-acquire: type exactly: " + FORCE_ACKNOWLEDGEMENT);
    }
    if (!driver.site().equals(site)) {
      return CommandResult.refused(
          "force-acquire: send it to " + site + "'s agent; this is " + driver.site());
    }
    driver.command(new OperatorCommand.ForceAcquire(OperatorCommand.FORCE_ACKNOWLEDGEMENT));
    return CommandResult.accepted("forced acquire requested for " + site, null);
  }

  @Override
  public AutoCloseable subscribe(Consumer<RuntimeEvent> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public void close() {
    events.shutdownNow();
  }

  // ---- mapping ----

  private void publish(RuntimeEvent e) {
    try {
      events.execute(
          () -> {
            for (Consumer<RuntimeEvent> l : listeners) {
              try {
                l.accept(e);
              } catch (RuntimeException ignored) {
                // one broken subscriber (a closed SSE stream) must not stop the others
              }
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // shutting down
    }
  }

  private DecisionView view(Decision d) {
    return new DecisionView(
        d.at(), driver.site(), d.to().name(), d.action().name(), d.reason().name(), d.words());
  }

  private RunView view(RunReport r) {
    String[] fromTo = r.runbook().replaceFirst("^[^:]*: ", "").split(" → ");
    return new RunView(
        r.runId(),
        r.kind(),
        r.outcome(),
        fromTo.length == 2 ? fromTo[0] : null,
        fromTo.length == 2 ? fromTo[1] : r.site(),
        r.startedAt(),
        r.endedAt(),
        r.rto() == null ? null : r.rto().totalMillis());
  }

  private static List<StepView> steps(RunReport r) {
    return r.steps().stream()
        .map(
            s ->
                new StepView(
                    r.runId(),
                    s.stage(),
                    s.id(),
                    s.status(),
                    s.startedAt(),
                    s.endedAt(),
                    s.detail()))
        .toList();
  }

  private static SensorView sensor(SensorState s) {
    return new SensorView(
        s.spec().name(),
        s.spec().kind(),
        s.last().status().name(),
        s.up(),
        s.spec().critical(),
        s.last().detail());
  }
}
