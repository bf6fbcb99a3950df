package io.tandem.app.sync;

import io.tandem.app.peer.PeerAuthentication;
import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.AgentView;
import io.tandem.core.agent.PeerReport;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.config.SyncJobConfig;
import io.tandem.core.config.SyncJobs;
import io.tandem.core.config.SyncSource;
import io.tandem.core.config.SyncTransport;
import io.tandem.core.error.ConfigException;
import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SiteHealth;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.SyncJob;
import io.tandem.core.port.SyncStatus;
import io.tandem.core.sync.EpochFloor;
import io.tandem.core.sync.OverrideRewriter;
import io.tandem.core.sync.PeerFacts;
import io.tandem.core.sync.ReceiverGate;
import io.tandem.core.sync.SenderGate;
import io.tandem.core.sync.StaleAcknowledgements;
import io.tandem.core.sync.SwitchoverReadiness;
import io.tandem.core.sync.SyncChannel;
import io.tandem.core.sync.SyncDecision;
import io.tandem.core.sync.SyncLedger;
import io.tandem.core.sync.SyncPipeline;
import io.tandem.core.sync.SyncReceiver;
import io.tandem.core.sync.SyncRunner;
import io.tandem.core.sync.SyncService;
import io.tandem.core.sync.SyncSink;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.TicketView;
import io.tandem.core.witness.Witness;
import io.tandem.onprem.ami.AmiPbxControl;
import io.tandem.onprem.ami.AmiSettings;
import io.tandem.onprem.sensor.SensorContext;
import io.tandem.onprem.sensor.SyncFreshnessSensor;
import io.tandem.onprem.sensor.Thresholds;
import io.tandem.onprem.sync.AstDbSender;
import io.tandem.onprem.sync.AstDbSink;
import io.tandem.onprem.sync.FileSender;
import io.tandem.onprem.sync.FileSink;
import io.tandem.onprem.sync.RsyncRunner;
import io.tandem.onprem.sync.SqlSender;
import io.tandem.onprem.sync.SqlSink;
import io.tandem.onprem.sync.TreeWatcher;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Health-gated sync for one agent, built from the cluster file's {@code sync:} jobs: the sending
 * side ({@link SyncService}: interval, change watch, gate, runners), the receiving side ({@link
 * SyncReceiver} behind {@link SyncController}), the freshness ledger and the epoch floor. The gate
 * reads the agent itself — its ticket holder and state, its health, the peers' last signed reports
 * — and, on the receiving side, asks the witness who holds the ticket. State lives under {@code
 * <data dir>/sync}. Thread-safe.
 */
public final class SyncAgent implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SyncAgent.class);

  /**
   * What sync needs from the agent.
   *
   * @param config the validated cluster
   * @param site this site
   * @param agent the agent's ticket holder, peer board and decisions (built before the driver)
   * @param health this site's health
   * @param witness the witness client (the receiver asks it who holds the ticket)
   * @param auth the peer link's authentication
   * @param http the peer link's HTTP client
   * @param peerScheme {@code https} or {@code http}
   * @param dataDir the agent's data directory
   * @param pbx this site's PBX (reloads)
   * @param secrets resolves database passwords at use
   * @param clock wall clock
   * @param nanos monotonic clock
   * @param ledger the freshness ledger ({@link #ledger(ClusterConfig, Path, Clock)})
   */
  public record Deps(
      ClusterConfig config,
      String site,
      AgentView agent,
      Supplier<SiteHealth> health,
      Witness witness,
      PeerAuthentication auth,
      HttpClient http,
      String peerScheme,
      Path dataDir,
      PbxControl pbx,
      SecretResolver secrets,
      Clock clock,
      LongSupplier nanos,
      SyncLedger ledger) {}

  private final Deps d;
  private final Path root;
  private final EpochFloor floor;
  private final SyncLedger ledger;
  private final SyncReceiver receiver;
  private final SyncService service;
  private final List<AutoCloseable> watchers = new ArrayList<>();
  private final StaleAcknowledgements acknowledgements;
  private final SwitchoverReadiness readiness;
  private final Duration peerReportTimeout;
  private final Map<String, SyncReceiver.Job> sinks;

  private SyncAgent(Deps d) {
    this.d = d;
    this.root = d.dataDir().resolve("sync");
    this.peerReportTimeout = d.config().timings().peerReportTimeout();
    try {
      Files.createDirectories(root.resolve("tmp"));
    } catch (IOException e) {
      throw new ConfigException(
          "sync: cannot create " + root.resolve("tmp") + ": " + e.getMessage());
    }
    this.floor = new EpochFloor(root.resolve("epoch-floor"));
    this.ledger = d.ledger();

    Map<String, URI> peers = new LinkedHashMap<>();
    for (SiteConfig s : d.config().sites()) {
      if (!s.name().equals(d.site())) {
        peers.put(s.name(), URI.create(d.peerScheme() + "://" + s.managementAddress()));
      }
    }
    Map<String, Duration> timeouts = new LinkedHashMap<>();
    d.config().sync().forEach(j -> timeouts.put(j.name(), j.timeout()));
    SyncChannel channel =
        new HttpSyncChannel(
            d.site(),
            peers,
            d.auth(),
            d.http(),
            job -> timeouts.getOrDefault(job, SyncJobConfig.DEFAULT_TIMEOUT),
            root.resolve("tmp"));

    Map<String, SyncRunner> runners = new LinkedHashMap<>();
    sinks = new LinkedHashMap<>();
    for (SyncJobConfig job : d.config().sync()) {
      runners.put(job.name(), runner(job, channel));
      sinks.put(job.name(), new SyncReceiver.Job(job, sink(job)));
    }
    this.receiver =
        new SyncReceiver(
            d.site(),
            sinks,
            this::receiverFacts,
            floor,
            ledger,
            new PbxSyncReloader(d.pbx()),
            d.clock(),
            d.nanos());
    this.service =
        new SyncService(
            d.site(),
            List.copyOf(peers.keySet()),
            d.config().sync(),
            runners,
            this::senderFacts,
            ledger,
            d.clock(),
            d.nanos());
    this.acknowledgements = new StaleAcknowledgements(d.clock());
    this.readiness = new SwitchoverReadiness(service, acknowledgements, d.clock(), d.nanos());
  }

  /**
   * The freshness ledger of an agent's jobs, kept under {@code <dataDir>/sync/status}; built before
   * the health monitor so the {@code sync-freshness} sensors can read it.
   */
  public static SyncLedger ledger(ClusterConfig config, Path dataDir, Clock clock) {
    Map<String, Duration> stale = new LinkedHashMap<>();
    config.sync().forEach(j -> stale.put(j.name(), j.staleAfter()));
    return new SyncLedger(dataDir.resolve("sync").resolve("status"), clock, stale);
  }

  /**
   * One {@code sync-freshness} sensor per job, named {@code sync-<job>}: the age of the job's last
   * success, warning past half its {@code staleAfter} and failing past it. Informational (weight 0,
   * not critical): a stale copy must never make a site unhealthy, or the gate would stop the very
   * sync that would refresh it.
   */
  public static List<HealthSensor> freshnessSensors(
      ClusterConfig config, SyncLedger ledger, Clock clock) {
    List<HealthSensor> out = new ArrayList<>();
    SensorContext context = SensorContext.system();
    SensorContext withClock =
        new SensorContext(
            context.root(), clock, context.nanoTicker(), context.space(), context.interfaces());
    for (SyncJobConfig job : config.sync()) {
      double fail = job.staleAfter().toMillis() / 1000.0;
      SensorSpec spec =
          new SensorSpec(
              "sync-" + job.name(),
              "sync-freshness",
              false,
              0,
              Duration.ofSeconds(10),
              Duration.ofSeconds(1));
      out.add(
          SyncFreshnessSensor.ofStatus(
              spec, withClock, () -> ledger.status(job.name()), new Thresholds(fail / 2, fail)));
    }
    return out;
  }

  /** Builds sync for an agent; nothing runs until {@link #start()}. */
  public static SyncAgent create(Deps deps) {
    return new SyncAgent(deps);
  }

  private SyncRunner runner(SyncJobConfig job, SyncChannel channel) {
    return switch (job.source()) {
      case SyncSource.Files f when job.transport() == SyncTransport.RSYNC ->
          new RsyncRunner(
              job.name(), f, d.site(), this::managementHost, job.timeout(), "rsync", "ssh");
      case SyncSource.Files f ->
          new SyncPipeline(
              new FileSender(
                  job.name(), f, d.site(), Optional.of(root.resolve("jobs").resolve(job.name()))),
              channel);
      case SyncSource.Sql s ->
          new SyncPipeline(
              new SqlSender(job.name(), s, d.site(), () -> password(s), job.timeout()), channel);
      case SyncSource.AstDb a ->
          new SyncPipeline(new AstDbSender(job.name(), a, ami(job), job.timeout()), channel);
    };
  }

  private SyncSink sink(SyncJobConfig job) {
    return switch (job.source()) {
      case SyncSource.Files f ->
          new FileSink(
              job.name(),
              f,
              d.site(),
              new OverrideRewriter(
                  job.overrides(), d.site(), SyncJobs.valuesFor(d.config(), d.site(), job)),
              root.resolve("jobs").resolve(job.name()));
      case SyncSource.Sql s ->
          new SqlSink(job.name(), s, d.site(), () -> password(s), job.timeout());
      case SyncSource.AstDb a ->
          new AstDbSink(
              job.name(), a, ami(job), job.timeout(), root.resolve("jobs").resolve(job.name()));
    };
  }

  /** This site's Asterisk Manager, which an astdb job reads and writes through. */
  private AmiSettings ami(SyncJobConfig job) {
    if (d.pbx() instanceof AmiPbxControl ami) {
      return ami.settings();
    }
    throw new ConfigException(
        "sync "
            + job.name()
            + ": kind astdb reads and writes through Asterisk's Manager Interface, but site "
            + d.site()
            + "'s PBX is "
            + d.pbx().getClass().getSimpleName());
  }

  /** The host part of {@code site}'s management address (rsync connects there over SSH). */
  private String managementHost(String site) {
    String a = d.config().site(site).orElseThrow().managementAddress();
    if (a.startsWith("[")) {
      return a.substring(1, a.indexOf(']'));
    }
    int colon = a.lastIndexOf(':');
    return colon > 0 && a.indexOf(':') == colon ? a.substring(0, colon) : a;
  }

  /** The database password, resolved when a run needs it (never kept, never logged). */
  private String password(SyncSource.Sql s) {
    return d.secrets().resolve(s.password()).reveal();
  }

  /**
   * Starts the jobs' schedules and change watches, after finishing (in the background) any apply a
   * restart interrupted: a journaled swap or AstDB apply is rolled forward before this site sends
   * or receives again.
   */
  public void start() {
    for (SyncReceiver.Job job : sinks.values()) {
      Thread.ofVirtual()
          .name("tandem-sync-recover-" + job.config().name())
          .start(() -> recover(job));
    }
    for (SyncJobConfig job : d.config().sync()) {
      if (job.watch() && job.source() instanceof SyncSource.Files f) {
        try {
          watchers.add(new TreeWatcher(job.name(), f, d.site(), () -> service.trigger(job.name())));
        } catch (IOException e) {
          log.warn(
              "sync {}: no change watch ({}); it runs on its interval", job.name(), e.getMessage());
        }
      }
    }
    service.start();
  }

  private static void recover(SyncReceiver.Job job) {
    try {
      switch (job.sink()) {
        case FileSink f -> f.recover();
        case AstDbSink a -> a.recover();
        default -> {}
      }
    } catch (IOException | RuntimeException e) {
      log.warn(
          "sync {}: an interrupted apply could not be finished at start ({}); the next run"
              + " finishes it",
          job.config().name(),
          e.getMessage());
    }
  }

  // ---- the gate's facts, from the agent itself ----

  SenderGate.Facts senderFacts(String peer) {
    AgentView driver = d.agent();
    SiteHealth h = d.health().get();
    AgentState state = driver.state();
    TicketView v = driver.holder().view();
    OptionalLong held =
        state == AgentState.ACTIVE && v.state() == TicketHolder.State.HELD && v.valid()
            ? OptionalLong.of(v.epoch())
            : OptionalLong.empty();
    held.ifPresent(floor::raise);
    return new SenderGate.Facts(
        d.site(),
        held,
        state.name(),
        h.healthy(),
        h.summary(),
        peerFacts(driver, peer),
        peerReportTimeout);
  }

  ReceiverGate.Facts receiverFacts(String sender) {
    AgentView driver = d.agent();
    SiteHealth h = d.health().get();
    ReceiverGate.Observed observed;
    try {
      Optional<Ticket> t = d.witness().observe(d.config().name());
      t.ifPresent(x -> floor.raise(x.epoch()));
      observed =
          t.map(x -> ReceiverGate.Observed.holder(x.holder(), x.epoch()))
              .orElse(ReceiverGate.Observed.nobody());
    } catch (RuntimeException e) {
      observed =
          ReceiverGate.Observed.unreachable("the witness did not answer (" + e.getMessage() + ")");
    }
    boolean holds = driver.holder().validNow();
    floor.raise(driver.holder().view().epoch());
    Optional<PeerFacts> senderFacts = peerFacts(driver, sender);
    return new ReceiverGate.Facts(
        d.site(),
        holds,
        h.healthy(),
        h.summary(),
        observed,
        floor.get(),
        senderFacts,
        peerReportTimeout);
  }

  private static Optional<PeerFacts> peerFacts(AgentView driver, String peer) {
    PeerReport r = driver.peerReports().get(peer);
    return r == null
        ? Optional.empty()
        : Optional.of(
            new PeerFacts(
                peer, r.healthy(), r.state().name(), driver.nowNanos() - r.receivedAtNanos()));
  }

  // ---- what the API, metrics, sensors and the runbook read ----

  public String site() {
    return d.site();
  }

  public SyncReceiver receiver() {
    return receiver;
  }

  public SyncService service() {
    return service;
  }

  public SyncLedger ledger() {
    return ledger;
  }

  PeerAuthentication authentication() {
    return d.auth();
  }

  Path tmpDir() {
    return root.resolve("tmp");
  }

  /** Every job's {@link SyncJob} port (the switchover runbook's sync check). */
  public List<SyncJob> jobs() {
    return service.ports();
  }

  /**
   * Whether a planned switchover to {@code target} may go ahead: every job is run once more and
   * waited for up to {@link SwitchoverReadiness#DEFAULT_BOUND}; empty when it may, else the refusal
   * in words (which jobs, why, how to acknowledge).
   */
  public Optional<String> switchoverRefusal(String target) {
    SwitchoverReadiness.Result r = readiness.check(target, SwitchoverReadiness.DEFAULT_BOUND);
    log.info("sync before switchover to {}: {}", target, r.words());
    return r.ready() ? Optional.empty() : Optional.of(r.words());
  }

  /** Operators' acknowledgements of stale jobs (recorded by the API, which audits them). */
  public StaleAcknowledgements acknowledgements() {
    return acknowledgements;
  }

  public List<SyncStatus> statuses() {
    return service.statuses();
  }

  public List<SyncDecision> recentDecisions(int limit) {
    return ledger.recent(limit);
  }

  @Override
  public void close() {
    for (AutoCloseable w : watchers) {
      try {
        w.close();
      } catch (Exception e) {
        log.debug("closing a watch failed: {}", e.toString());
      }
    }
    service.close();
  }
}
