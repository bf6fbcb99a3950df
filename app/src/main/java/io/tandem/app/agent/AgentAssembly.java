package io.tandem.app.agent;

import io.tandem.app.guard.FenceGuardClient;
import io.tandem.app.notify.ConfiguredNotifications;
import io.tandem.app.peer.HttpPeerTransport;
import io.tandem.app.peer.PeerAuthentication;
import io.tandem.app.sync.SyncAgent;
import io.tandem.core.agent.AgentSettings;
import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.AgentView;
import io.tandem.core.agent.DecisionHistory;
import io.tandem.core.agent.HolderGuard;
import io.tandem.core.agent.PeerBoard;
import io.tandem.core.agent.PeerReport;
import io.tandem.core.config.ApprovalGate;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.Policies;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.config.Timings;
import io.tandem.core.config.TrunkConfig;
import io.tandem.core.error.ConfigException;
import io.tandem.core.event.EventBus;
import io.tandem.core.event.EventPublisher;
import io.tandem.core.event.TandemEvent;
import io.tandem.core.health.ExecutorTaskScheduler;
import io.tandem.core.health.SensorState;
import io.tandem.core.health.SiteHealth;
import io.tandem.core.health.SiteHealthMonitor;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.TrunkRegistrar;
import io.tandem.core.runbook.ApprovalDesk;
import io.tandem.core.runbook.Gate;
import io.tandem.core.runbook.Notifier;
import io.tandem.core.runbook.RunbookEngine;
import io.tandem.core.runbook.TicketGuard;
import io.tandem.core.runbook.journal.JournalDirectory;
import io.tandem.core.runbook.report.ReportStore;
import io.tandem.core.runbook.standard.FailoverTopology;
import io.tandem.core.runbook.standard.RunbookOptions;
import io.tandem.core.sync.SyncLedger;
import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.Witness;
import io.tandem.onprem.sip.SipEndpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one site's agent runs, built from a validated {@link ClusterConfig}: decision loop
 * settings, the health monitor and its sensors, the witness client, the peer link, the PBX control,
 * the provider adapters, the runbook engine (journal and reports under the data directory, ticket
 * guard = the driver's ticket holder), the site actions, the {@link AgentDriver} and the {@link
 * AgentRuntime} the API serves.
 *
 * <p>Every adapter is built here, through the {@link Providers} seam ({@link Providers#sdk()} in
 * production), so a decision is never followed by client creation. Building contacts nothing beyond
 * binding this agent's SIP endpoint on its management address (only when a {@code sip-options}
 * sensor or a trunk needs it). {@link #start} starts sensors and the loop; {@link #close} stops
 * everything in reverse order. Secrets are resolved through the configuration's {@link
 * SecretResolver} and never logged.
 */
public final class AgentAssembly implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AgentAssembly.class);

  /**
   * How to build.
   *
   * @param dataDir journal, reports and VIP state live here
   * @param secrets resolves the configuration's secret references
   * @param peerSecret the cluster's peer-link secret (the same on every agent)
   * @param peerScheme {@code https} (default in production) or {@code http} (loopback tests)
   * @param http client for the witness and the peer link (its TLS context decides verification)
   * @param clock wall clock
   * @param nanos monotonic clock
   * @param providers turns the configuration into adapters ({@link Providers#sdk()} in production;
   *     the lab and tests plug simulated providers in here)
   */
  public record Options(
      Path dataDir,
      SecretResolver secrets,
      byte[] peerSecret,
      String peerScheme,
      HttpClient http,
      Clock clock,
      LongSupplier nanos,
      Providers providers) {

    public Options {
      java.util.Objects.requireNonNull(providers, "providers");
    }

    /** Production options: the SDK-backed {@link Providers#sdk()}. */
    public Options(
        Path dataDir,
        SecretResolver secrets,
        byte[] peerSecret,
        String peerScheme,
        HttpClient http,
        Clock clock,
        LongSupplier nanos) {
      this(dataDir, secrets, peerSecret, peerScheme, http, clock, nanos, Providers.sdk());
    }

    /** The same options with other providers. */
    public Options withProviders(Providers value) {
      return new Options(dataDir, secrets, peerSecret, peerScheme, http, clock, nanos, value);
    }
  }

  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  private final AgentSettings settings;
  private final SiteHealthMonitor monitor;
  private final PeerAuthentication peerAuthentication;
  private final AgentDriver driver;
  private final AgentRuntime runtime;
  private final FailoverTopologies topologies;
  private final RunbookEngine engine;
  private final EventBus events;
  private final RunbookSiteActions actions;
  private final ActivationPlans plans;
  private final SyncAgent sync;
  private final JournalAlarm journalAlarm;
  private final ProviderWarmUp warmUp;
  private volatile java.util.concurrent.CompletableFuture<Boolean> rehearsal =
      java.util.concurrent.CompletableFuture.completedFuture(false);

  private AgentAssembly(ClusterConfig config, String site, Options o) {
    // a failure half-way (a secret missing, a sensor wrong) must not leave sockets or threads
    try {
      SiteConfig local =
          config.sites().stream()
              .filter(s -> s.name().equals(site))
              .findFirst()
              .orElseThrow(
                  () ->
                      new ConfigException(
                          "--site: expected one of "
                              + config.sites().stream().map(SiteConfig::name).toList()
                              + ", found '"
                              + site
                              + "'"));
      this.settings = settings(config, site);

      String pbxSecret = o.secrets().resolve(local.pbx().secret()).reveal();
      String bindHost = hostOf(local.managementAddress());
      Supplier<SipEndpoint> sip = memo(() -> own(SipEndpoint.open(bindHost, 0)));
      if (!config.trunks().isEmpty()) {
        sip.get(); // bound before the registrar that uses it, so it is closed after it
      }
      TicketHolder holder = AgentDriver.holderFor(settings, o.nanos());
      DecisionHistory history = new DecisionHistory(settings.historySize());
      PeerBoard board = new PeerBoard();
      TicketGuard guard = new HolderGuard(holder);
      Providers.Adapters providers =
          own(
              o.providers()
                  .open(
                      new Providers.Context(
                          config,
                          site,
                          o.secrets(),
                          o.http(),
                          o.clock(),
                          o.nanos(),
                          o.dataDir(),
                          sip,
                          guard)));
      PbxControl pbx = providers.pbx(local);
      // this agent says both "refuse" and "accept": a PBX restarted after a fence refuses again
      pbx.keepRefusingAcrossRestarts();
      Optional<TrunkRegistrar> trunks = providers.trunks();
      Witness witness = providers.witness();
      SyncLedger syncLedger = SyncAgent.ledger(config, o.dataDir(), o.clock());
      var sensorScheduler = own(ExecutorTaskScheduler.singleThread("tandem-sensors-" + site));
      var sensorReaders = own(Executors.newVirtualThreadPerTaskExecutor());
      this.monitor =
          own(
              SiteSensors.monitor(
                  local,
                  config.policies(),
                  sip,
                  pbx,
                  pbxSecret,
                  o.clock(),
                  o.nanos(),
                  sensorScheduler,
                  sensorReaders,
                  switch (witness) {
                    case io.tandem.app.witness.DatagramWitness dw ->
                        java.util.Optional.of(dw.https());
                    case io.tandem.app.witness.HttpWitness hw -> java.util.Optional.of(hw);
                    default -> java.util.Optional.empty();
                  },
                  config.name(),
                  SyncAgent.freshnessSensors(config, syncLedger, o.clock())));

      Set<String> sites = new LinkedHashSet<>();
      Map<String, URI> peerUrls = new LinkedHashMap<>();
      for (SiteConfig s : config.sites()) {
        sites.add(s.name());
        if (!s.name().equals(site)) {
          peerUrls.put(s.name(), URI.create(o.peerScheme() + "://" + s.managementAddress()));
        }
      }
      this.peerAuthentication =
          new PeerAuthentication(o.peerSecret(), sites, o.clock(), config.timings().ticketTtl());
      HttpPeerTransport transport =
          own(
              new HttpPeerTransport(
                  site,
                  peerUrls,
                  peerAuthentication,
                  o.http(),
                  // a report may take a round trip plus a retransmission (150 ms + 350 ms on a
                  // lossy inter-site link), longer than a 100 ms tick: overlap them (17.1)
                  config.timings().retryTimeout(),
                  peerInFlight(config.timings()),
                  o.nanos()));

      // the agent's typed events: everything below publishes on it; console, metrics,
      // notifications and the runtime subscribe
      EventBus bus = own(new EventBus(site));
      monitor.addListener((before, after) -> sensorChanges(site, bus, before, after));
      syncLedger.addListener(d -> bus.publish(new TandemEvent.SyncFinished(site, d)));
      this.sync =
          own(
              SyncAgent.create(
                  new SyncAgent.Deps(
                      config,
                      site,
                      new AgentView(holder, board, history, o.nanos()),
                      monitor::snapshot,
                      witness,
                      peerAuthentication,
                      o.http(),
                      o.peerScheme(),
                      o.dataDir(),
                      pbx,
                      o.secrets(),
                      o.clock(),
                      o.nanos(),
                      syncLedger)));
      ApprovalDesk desk = new ApprovalDesk();
      ReportStore reports =
          new ReportStore(
              o.dataDir().resolve("reports"), o.clock(), ReportStore.Retention.defaults());
      ConfiguredNotifications notifications =
          own(
              ConfiguredNotifications.from(
                  config.notifications(), o.secrets(), config.name(), o.clock()));
      this.journalAlarm = new JournalAlarm(site, notifierOf(notifications), o.clock());
      Notifier notifier = notifierOf(notifications);
      // two-level health (18.5): entering WARN notifies; nothing fails over on a warning
      monitor.addListener(new HealthLevelNotices(site, notifier));
      // operators' hook programs (18.4): states, stages, sensors, health, switchover veto
      io.tandem.app.hooks.Hooks hooks =
          own(
              new io.tandem.app.hooks.Hooks(
                  config.name(),
                  site,
                  config.hooks(),
                  new io.tandem.app.hooks.HookRunner(o.dataDir())));
      monitor.addListener(hooks.healthListener());
      this.engine =
          RunbookEngine.builder()
              .clock(o.clock())
              .ticker(o.nanos())
              .executor(own(Executors.newVirtualThreadPerTaskExecutor()))
              .ticketGuard(guard)
              .journals(
                  new JournalDirectory(
                      o.dataDir().resolve("journal"),
                      o.clock(),
                      JournalDirectory.Retention.defaults(),
                      journalAlarm))
              .gateKeeper(desk)
              .notifier(notifier)
              .stageHook(hooks)
              .reports(reports)
              .listener(new BusStepEvents(site, bus))
              .build();
      RunbookOptions options = runbookOptions(config.policies(), site);
      this.topologies = new FailoverTopologies(config, site, providers, pbx, notifier, sync.jobs());
      // the clients the topologies now hold are called before any fault, and kept warm (17.2)
      this.warmUp =
          own(
              new ProviderWarmUp(
                  site,
                  ProviderWarmUp.targets(config, providers),
                  ProviderWarmUp.KEEP_WARM,
                  o.clock(),
                  o.nanos()));
      Map<String, String> localContacts = new LinkedHashMap<>();
      for (TrunkConfig t : config.trunks()) {
        Optional.ofNullable(t.contacts().get(site)).ifPresent(c -> localContacts.put(t.name(), c));
      }
      this.plans =
          new ActivationPlans(
              site,
              topologies,
              options,
              from ->
                  new HandoverPbx(
                      from,
                      topologies.directPbx(from),
                      () -> reported(board, from, settings.peerReportTimeout(), o.nanos())),
              history::recent,
              config.timings().retryTimeout());
      this.actions =
          own(
              new RunbookSiteActions(
                  site,
                  engine,
                  plans,
                  topologies,
                  pbx,
                  trunks,
                  localContacts,
                  notifier,
                  o.clock(),
                  // the longest any fence may take: never past the witness's grace after the
                  // local deadline (the core asks for fenceLead when the ticket is running out)
                  settings.fenceLead().plus(settings.witnessGrace()),
                  new BusRunListener(site, bus, o.clock())));

      FenceGuardClient guardClient =
          own(new FenceGuardClient(o.dataDir().resolve(FenceGuardClient.SOCKET), o.nanos()));
      this.driver =
          own(
              new AgentDriver(
                  settings,
                  holder,
                  history,
                  board,
                  witness,
                  transport,
                  monitor::snapshot,
                  // a successor's drain reads these calls when it cannot ask this PBX itself
                  new ReportedCalls(monitor::snapshot, pbx, o.nanos()),
                  actions,
                  guardClient,
                  o.nanos(),
                  o.clock()));
      // the guard's replies tell the agent when it fenced a PBX this site still holds the ticket
      // for
      guardClient.onReply(driver.core()::onGuardReply);
      driver.publishTo(bus);
      notifications.subscribe(bus, site);
      this.events = bus;
      // hook programs on state changes (18.4): a non-blocking listener on the agent thread
      // state hooks subscribe to the typed event bus (its own thread, in order)
      bus.onDecision(e -> hooks.onDecision(e.decision()));
      // every change of the loop's verdict in the agent's log (the history keeps < 1 min)
      bus.onDecision(new DecisionLog());
      this.runtime =
          own(
              new AgentRuntime(
                  config,
                  driver,
                  monitor::snapshot,
                  reports,
                  engine,
                  desk,
                  topologies,
                  plans,
                  options,
                  o.clock(),
                  // a switchover hook may veto a planned switchover (never a failover)
                  target -> hooks.vetoSwitchover(target).or(() -> sync.switchoverRefusal(target)),
                  bus));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Builds the agent of {@code site}; on failure, whatever was built is closed again.
   *
   * @throws ConfigException naming the field when the configuration cannot be mapped (unknown site,
   *     sensor parameter, unresolvable secret, ...)
   */
  public static AgentAssembly assemble(ClusterConfig config, String site, Options options) {
    return new AgentAssembly(config, site, options);
  }

  /**
   * Starts warming the provider clients and rehearsing the activation path (17.2), the sensors,
   * then the decision loop.
   */
  public void start() {
    warmUp.start();
    rehearsal = actions.rehearse();
    monitor.start();
    driver.start();
    sync.start();
    log.info(
        "agent {}: started (cluster {}, peers {})",
        settings.site(),
        settings.cluster(),
        settings.peers());
  }

  public AgentSettings settings() {
    return settings;
  }

  /** The start's rehearsal of the activation path: true once it ran whole (false before start). */
  java.util.concurrent.CompletableFuture<Boolean> rehearsal() {
    return rehearsal;
  }

  public AgentDriver driver() {
    return driver;
  }

  public AgentRuntime runtime() {
    return runtime;
  }

  public PeerAuthentication peerAuthentication() {
    return peerAuthentication;
  }

  public SiteHealthMonitor health() {
    return monitor;
  }

  public RunbookEngine engine() {
    return engine;
  }

  /** This agent's typed events (decisions, ticket, runs, steps, sensors, sync, ticks). */
  public EventPublisher events() {
    return events;
  }

  /**
   * Writes the agent's own audit events (a damaged run journal quarantined) to the audit log of the
   * server that serves this agent: call it once the server runs.
   */
  public void auditTo(io.tandem.app.audit.AuditLog log) {
    journalAlarm.auditTo(log);
  }

  private static Notifier notifierOf(ConfiguredNotifications notifications) {
    return notice -> {
      log.info("runbook notice [{}] {}", notice.severity(), notice.subject());
      notifications.runbookNotifier().send(notice);
    };
  }

  /** Health-gated sync of this site (jobs, receiver, freshness). */
  public SyncAgent sync() {
    return sync;
  }

  /** What the driver calls to activate or fence this site (tests drive it directly). */
  RunbookSiteActions siteActions() {
    return actions;
  }

  /** What an activation runs and what a plan shows (one builder for both). */
  ActivationPlans plans() {
    return plans;
  }

  /** The site effects: activation and fencing of this site (tests drive them directly). */
  public io.tandem.core.agent.effects.SiteEffects effects() {
    return actions;
  }

  /** What a failover from {@code from} to {@code to} would move (for plans and checks). */
  public FailoverTopology topology(String from, String to) {
    return topologies.between(from, to);
  }

  /** Stops the loop first (no new actions), then everything else, in reverse order of building. */
  @Override
  public void close() {
    while (!closeables.isEmpty()) {
      AutoCloseable c = closeables.pop();
      try {
        c.close();
      } catch (Exception e) {
        log.debug("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
      }
    }
  }

  // ---- mapping ----

  /** The decision loop's settings: timings and policies of the cluster, this site's priority. */
  static AgentSettings settings(ClusterConfig config, String site) {
    Timings t = config.timings();
    Policies p = config.policies();
    SiteConfig local =
        config.sites().stream().filter(s -> s.name().equals(site)).findFirst().orElseThrow();
    Set<String> peers = new LinkedHashSet<>();
    config.sites().stream().map(SiteConfig::name).filter(n -> !n.equals(site)).forEach(peers::add);
    return AgentSettings.builder()
        .cluster(config.name())
        .site(site)
        .priority(local.priority())
        .peers(peers)
        .timings(t)
        .autoFailback(p.autoFailback())
        .failbackStablePeriod(p.failbackStablePeriod())
        .keepRunningWithoutWitness(p.keepRunningWithoutWitness())
        .witnessOutageFailsafe(p.witnessOutageFailsafe())
        .build();
  }

  /**
   * The runbook gates of {@code policies.approvalGates}: {@code before-failover} before anything
   * changes in an unplanned failover (an outage, a forced acquire), {@code before-fencing} right
   * before the fence stage of any run that fences. Both end the run as aborted when nobody answers
   * within 10 minutes. The gates of an operator's move ({@code before-switchover}, {@code
   * before-failback}, and {@code before-failover} for a failover command to a live site) wait
   * before the hand-over, in {@code MoveApprovals}.
   */
  static RunbookOptions runbookOptions(Policies p, String site) {
    RunbookOptions o = RunbookOptions.defaults();
    if (p.approvalGates().contains(ApprovalGate.BEFORE_FAILOVER)) {
      o =
          o.withApproval(
              Gate.of(
                  "before-failover",
                  "Approve the failover to " + site + "?",
                  Duration.ofMinutes(10),
                  Gate.TimeoutPolicy.ABORT));
    }
    if (p.approvalGates().contains(ApprovalGate.BEFORE_FENCING)) {
      o =
          o.withFencingApproval(
              Gate.of(
                  "before-fencing",
                  "Approve fencing the old site's machine before " + site + " takes over?",
                  Duration.ofMinutes(10),
                  Gate.TimeoutPolicy.ABORT));
    }
    return o;
  }

  /**
   * What {@code site}'s agent last reported about its PBX, if the report is fresh: its calls, and
   * whether it still takes new calls (an agent that handed over or fences does not).
   */
  static Optional<HandoverPbx.Reported> reported(
      PeerBoard board, String site, Duration fresh, LongSupplier nanos) {
    PeerReport r = board.reports().get(site);
    if (r == null) {
      return Optional.empty();
    }
    long age = nanos.getAsLong() - r.receivedAtNanos();
    if (age > fresh.toNanos()) {
      return Optional.empty();
    }
    boolean accepting = r.state() == AgentState.ACTIVE && r.handingOverTo() == null;
    return Optional.of(new HandoverPbx.Reported(r.activeCalls(), accepting, age / 1_000_000));
  }

  /** Reports outstanding per peer: one per tick for a whole retry timeout, at least 4. */
  static int peerInFlight(Timings t) {
    long ticks = (t.retryTimeout().toNanos() + t.tick().toNanos() - 1) / t.tick().toNanos();
    return (int) Math.max(4, Math.min(32, ticks + 1));
  }

  static String hostOf(String hostPort) {
    if (hostPort.startsWith("[")) {
      return hostPort.substring(1, hostPort.indexOf(']'));
    }
    int colon = hostPort.lastIndexOf(':');
    return colon > 0 && hostPort.indexOf(':') == colon ? hostPort.substring(0, colon) : hostPort;
  }

  private <T> T own(T resource) {
    // an ExecutorService's own close() waits for its tasks; stopping must not hang on a stuck read
    if (resource instanceof java.util.concurrent.ExecutorService e) {
      closeables.push(e::shutdownNow);
    } else if (resource instanceof AutoCloseable c) {
      closeables.push(c);
    }
    return resource;
  }

  private static <T> Supplier<T> memo(Supplier<T> s) {
    return new Supplier<>() {
      private T value;

      @Override
      public synchronized T get() {
        if (value == null) {
          value = s.get();
        }
        return value;
      }
    };
  }

  /** A sensor that went up or down (after hysteresis), one event per sensor. */
  private static void sensorChanges(
      String site, EventBus bus, SiteHealth before, SiteHealth after) {
    Map<String, Boolean> was = new LinkedHashMap<>();
    before.sensors().forEach(st -> was.put(st.spec().name(), st.up()));
    for (SensorState st : after.sensors()) {
      Boolean up = was.get(st.spec().name());
      if (up == null || up != st.up()) {
        bus.publish(new TandemEvent.SensorChanged(site, st, after.healthy(), after.at()));
      }
    }
  }

  /** The engine's live step results, onto the bus. */
  private record BusStepEvents(String site, EventBus bus)
      implements io.tandem.core.runbook.RunListener {
    @Override
    public void stepFinished(StepFinished e) {
      bus.publish(
          new TandemEvent.StepFinished(
              site,
              e.runId(),
              e.stage(),
              e.stepId(),
              e.status().name(),
              e.startedAt(),
              e.endedAt(),
              e.detail()));
    }
  }
}
