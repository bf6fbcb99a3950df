package io.tandem.app.agent;

import io.tandem.app.api.ClusterRuntime;
import io.tandem.app.api.ClusterStatus;
import io.tandem.app.api.CommandResult;
import io.tandem.app.api.DecisionView;
import io.tandem.app.api.RunView;
import io.tandem.app.api.SensorView;
import io.tandem.app.api.SiteView;
import io.tandem.app.api.TicketView;
import io.tandem.app.api.WaitingApproval;
import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.OperatorCommand;
import io.tandem.core.agent.PeerBoard;
import io.tandem.core.agent.PeerReport;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.FencedException;
import io.tandem.core.event.EventBus;
import io.tandem.core.event.EventPublisher;
import io.tandem.core.event.TandemEvent;
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
 * <p>Thread-safe; its events are the agent's {@link EventBus} (subscribers get them one at a time
 * on the bus's thread).
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
  private final EventBus bus;
  private final List<EventPublisher.Subscription> subscriptions = new ArrayList<>();
  private final Map<String, RunView> running = new ConcurrentHashMap<>();
  private final MoveApprovals approvals;

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
      java.util.function.Function<String, Optional<String>> syncBeforeSwitchover,
      EventBus bus) {
    this.syncBeforeSwitchover = syncBeforeSwitchover;
    this.bus = bus;
    // the runs in progress (and those that ended without a report), from the bus
    subscriptions.add(bus.onRunStarted(e -> running.put(e.runId(), RunView.of(e))));
    subscriptions.add(bus.onRunFinished(this::runFinished));
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
    this.approvals = new MoveApprovals(config, desk, clock);
  }

  // ---- feeds from the bus ----

  private void runFinished(TandemEvent.RunFinished e) {
    running.remove(e.runId());
    if (e.report().isEmpty()) {
      if (unreported.size() >= UNREPORTED_KEPT) {
        unreported.values().stream()
            .min(Comparator.comparing(RunView::endedAt))
            .ifPresent(oldest -> unreported.remove(oldest.id()));
      }
      unreported.put(e.runId(), RunView.of(e));
    }
  }

  // ---- ClusterRuntime ----

  /**
   * The cluster as this agent sees it. A peer is shown in the state it reports only while its
   * latest report is younger than the report timeout; after that it is {@code UNREACHABLE}, "last
   * seen ACTIVE 12 s ago". Only the ticket holder is shown serving: this site when it holds the
   * ticket (a peer reporting ACTIVE beside it is flagged, not counted), else a peer whose fresh
   * report says ACTIVE.
   */
  @Override
  public ClusterStatus status() {
    List<SiteView> sites = new ArrayList<>();
    boolean holding = driver.serving();
    String active = holding ? driver.site() : null;
    Map<String, PeerReport> peers = driver.peerReports();
    Map<String, PeerBoard.PeerMemory> memory = driver.core().board().memory();
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
                true,
                null,
                0L,
                healthLevel(h)));
        continue;
      }
      PeerReport r = peers.get(s.name());
      PeerBoard.PeerMemory m = memory.get(s.name());
      long heardAt = m != null ? m.lastHeardNanos() : r != null ? r.receivedAtNanos() : 0;
      Long ago =
          r == null && m == null
              ? null
              : java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(Math.max(0, now - heardAt));
      boolean reachable = r != null && now - r.receivedAtNanos() <= fresh;
      if (!reachable) {
        String summary =
            r == null
                ? "not heard from since this agent started"
                : "last seen " + r.state() + " " + ago + " s ago";
        sites.add(
            new SiteView(
                s.name(),
                s.kind().toString(),
                SiteView.UNREACHABLE,
                false,
                summary,
                List.of(),
                false,
                r == null ? null : r.state().name(),
                ago,
                "UNKNOWN"));
        continue;
      }
      String summary =
          (r.healthLevel() == io.tandem.core.health.HealthLevel.WARN
                  ? "degraded"
                  : r.healthy() ? "healthy" : "unhealthy")
              + " (as reported "
              + ago
              + " s ago)";
      if (r.state() == AgentState.ACTIVE) {
        if (holding) {
          summary += "; reports ACTIVE but the ticket is held here";
        } else if (active == null) {
          active = s.name();
        }
      }
      sites.add(
          new SiteView(
              s.name(),
              s.kind().toString(),
              r.state().name(),
              r.healthy(),
              summary,
              List.of(),
              true,
              null,
              ago,
              r.healthLevel().name()));
    }
    TicketView ticket =
        driver
            .holder()
            .ticket()
            .map(t -> new TicketView(t.holder(), t.epoch(), t.expiry()))
            .orElse(null);
    return new ClusterStatus(
        config.name(),
        active,
        ticket,
        sites,
        topologies.simulated(),
        config.policies().warningHealthPercent(),
        config.policies().minimumHealthPercent(),
        desk.waitingGates().entrySet().stream()
            .map(
                e -> {
                  String key = e.getKey();
                  String run = key.substring(0, key.lastIndexOf('/'));
                  return new WaitingApproval(run, e.getValue().id(), e.getValue().prompt());
                })
            .toList());
  }

  private static String healthLevel(SiteHealth h) {
    return h.level().name();
  }

  /**
   * The latest decisions, newest first; a run of identical decisions (same state, action and
   * reason, as "no action" every tick) is one entry with its count, so the few that matter are not
   * pushed out of sight.
   */
  @Override
  public List<DecisionView> decisions(int limit) {
    List<Decision> recent = driver.loop().history().recent();
    List<DecisionView> out = new ArrayList<>();
    for (int i = recent.size() - 1; i >= 0; i--) {
      DecisionView v = view(recent.get(i));
      if (!out.isEmpty() && out.getLast().sameAs(v)) {
        out.set(out.size() - 1, out.getLast().absorbing(v));
      } else if (out.size() == limit) {
        break;
      } else {
        out.add(v);
      }
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

  /**
   * An operator's move: refused at once when it cannot be done; with an approval gate for it
   * ({@code before-switchover}, {@code before-failover}, {@code before-failback}) it waits for an
   * operator before anything changes (see {@link MoveApprovals}), and is checked again then.
   */
  private CommandResult move(String target, String what) {
    Optional<CommandResult> refused = moveRefusal(target, what);
    if (refused.isPresent()) {
      return refused.get();
    }
    Optional<io.tandem.core.runbook.Gate> gate = approvals.gateFor(what, target);
    if (gate.isPresent()) {
      return approvals.ask(what, target, gate.get(), () -> moveNow(target, what));
    }
    return moveNow(target, what);
  }

  private CommandResult moveNow(String target, String what) {
    Optional<CommandResult> refused = moveRefusal(target, what);
    if (refused.isPresent()) {
      return refused.get();
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

  private Optional<CommandResult> moveRefusal(String target, String what) {
    if (config.sites().stream().noneMatch(s -> s.name().equals(target))) {
      return Optional.of(CommandResult.refused(what + ": no site named '" + target + "'"));
    }
    if (driver.loop().state() != AgentState.ACTIVE) {
      return Optional.of(
          CommandResult.refused(
              what
                  + ": send it to the active site's agent; "
                  + driver.site()
                  + " is "
                  + driver.loop().state()));
    }
    if (target.equals(driver.site())) {
      return Optional.of(CommandResult.refused(what + ": " + target + " is already active"));
    }
    return Optional.empty();
  }

  /**
   * The dry run of a move to {@code targetSite}, from the active site (or, with none active, the
   * most preferred other site): exactly the runbook this agent's activation builder makes for a
   * planned handover ({@code switchover}) or for an outage in which the old site was seen serving,
   * observed now, changing nothing — followed by the target's readiness ({@link PlanReadiness}):
   * its agent, health, PBX, machine and sync, and what would block the move. Works on any agent
   * (before any ticket exists the plan is shown acting under epoch 1).
   *
   * @throws io.tandem.app.server.NotFoundException for a site the cluster file does not name
   */
  @Override
  public Object plan(String targetSite, boolean switchover, boolean json) {
    if (config.sites().stream().noneMatch(s -> s.name().equals(targetSite))) {
      throw new io.tandem.app.server.NotFoundException(
          "no site named '"
              + targetSite
              + "' in cluster "
              + config.name()
              + "; sites: "
              + config.sites().stream().map(SiteConfig::name).toList());
    }
    ClusterStatus now = status();
    PlanReadiness.Result ready =
        new PlanReadiness(driver.site(), topologies::fenceTarget, topologies.syncJobs())
            .check(targetSite, switchover, now, health.get());
    try {
      String from =
          Optional.ofNullable(now.activeSite())
              .filter(a -> !a.equals(targetSite))
              .orElseGet(() -> topologies.others(targetSite).getFirst());
      Runbook rb = plans.preview(from, targetSite, switchover);
      // a plan changes nothing; before any ticket exists it is shown as acting under epoch 1
      long epoch = Math.max(1, driver.holder().ticket().map(x -> x.epoch()).orElse(0L));
      Plan p = engine.plan(rb, new FencingToken(config.name(), targetSite, epoch), false);
      if (!json) {
        return p.toText() + ready.toText();
      }
      var tree = (tools.jackson.databind.node.ObjectNode) JsonMapper.shared().readTree(p.toJson());
      tree.set("readiness", JsonMapper.shared().valueToTree(ready.toJson()));
      return tree;
    } catch (ConfigException e) {
      String msg = "no plan: " + e.getMessage();
      return json ? Map.of("error", msg, "readiness", ready.toJson()) : msg + "\n" + ready.toText();
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
    return approveGate(runId, "operator");
  }

  @Override
  public CommandResult approveGate(String runId, String by) {
    List<String> gates = waitingGates(runId);
    if (gates.isEmpty()) {
      return CommandResult.refused("run " + runId + " waits at no gate");
    }
    for (String gate : gates) {
      desk.approve(runId, gate, by, "approved through the API");
    }
    return CommandResult.accepted("approved " + runId + " at " + String.join(", ", gates), runId);
  }

  @Override
  public CommandResult denyGate(String runId, String by) {
    List<String> gates = waitingGates(runId);
    if (gates.isEmpty()) {
      return CommandResult.refused("run " + runId + " waits at no gate");
    }
    for (String gate : gates) {
      desk.reject(runId, gate, by, "denied through the API");
    }
    return CommandResult.accepted("denied " + runId + " at " + String.join(", ", gates), runId);
  }

  /** The ids of the gates {@code runId} waits at (a run's, or a move request's). */
  private List<String> waitingGates(String runId) {
    List<String> gates =
        desk.waiting().stream()
            .filter(k -> k.startsWith(runId + "/"))
            .map(k -> k.substring(runId.length() + 1))
            .toList();
    return gates.isEmpty() ? approvals.pendingGate(runId).stream().toList() : gates;
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
                bus.publish(
                    new TandemEvent.DrillFinished(
                        driver.site(), id, "ENDED", report.summary(), clock.instant()));
              } catch (RuntimeException e) {
                log.warn("drill {} failed: {}", id, e.toString());
                bus.publish(
                    new TandemEvent.DrillFinished(
                        driver.site(),
                        id,
                        "FAILED",
                        "drill " + id + " failed: " + e,
                        clock.instant()));
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
  public EventPublisher events() {
    return bus;
  }

  @Override
  public void close() {
    subscriptions.forEach(EventPublisher.Subscription::close);
  }

  // ---- mapping ----

  private DecisionView view(Decision d) {
    return new DecisionView(
        d.at(), driver.site(), d.to().name(), d.action().name(), d.reason().name(), d.words());
  }

  private RunView view(RunReport r) {
    return RunView.of(r);
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
