package io.tandem.app.lab;

import io.tandem.app.agent.AgentDriver;
import io.tandem.app.agent.SiteActions;
import io.tandem.app.api.RuntimeEvent;
import io.tandem.app.lab.sim.SimSipServer;
import io.tandem.app.server.TandemServer;
import io.tandem.app.witness.HttpWitness;
import io.tandem.app.witness.WitnessHttpServer;
import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.health.ExecutorTaskScheduler;
import io.tandem.core.health.Hysteresis;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SiteHealthMonitor;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.runbook.RunRequest;
import io.tandem.core.runbook.RunbookEngine;
import io.tandem.core.runbook.journal.JournalDirectory;
import io.tandem.core.runbook.report.ReportStore;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.core.runbook.standard.FailoverTopology;
import io.tandem.core.runbook.standard.RunbookOptions;
import io.tandem.core.runbook.standard.StandardRunbooks;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.FencingToken;
import io.tandem.core.witness.FileWitnessStateStore;
import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.WitnessCluster;
import io.tandem.core.witness.WitnessClusters;
import io.tandem.onprem.ami.AmiPbxControl;
import io.tandem.onprem.ami.AmiSensors;
import io.tandem.onprem.ami.AmiSettings;
import io.tandem.onprem.sip.RegistrarLocator;
import io.tandem.onprem.sip.SipEndpoint;
import io.tandem.onprem.sip.SipOptionsProbe;
import io.tandem.onprem.sip.SipTarget;
import io.tandem.onprem.sip.SipTrunk;
import io.tandem.onprem.sip.SipTrunkRegistrar;
import io.tandem.testkit.pbx.AmiServer;
import io.tandem.testkit.pbx.PbxFaults;
import io.tandem.testkit.pbx.PbxModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.springframework.context.ConfigurableApplicationContext;
import org.xbill.DNS.SimpleResolver;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tandem lab}: a whole cluster on loopback in one process. The built-in witness (served over
 * real HTTP), two sites each with a simulated PBX that answers real SIP OPTIONS and serves AMI, the
 * agents with their decision loops, health monitors (SIP OPTIONS and AMI sensors over sockets) and
 * runbook engines, a simulated carrier registrar (REGISTER with digest auth), a simulated DNS
 * server and a clearly labelled simulated cloud public address.
 *
 * <p>Thread-safe: scenarios and the API call in from other threads.
 */
public final class LabCluster implements AutoCloseable {

  static final String CLUSTER = "lab";
  static final String PRIMARY = "onprem-a";
  static final String BACKUP = "cloud-b";
  static final String TRUNK = "carrier-trunk";
  static final String TRUNK_USER = "trunk1";
  static final String CARRIER_DOMAIN = "carrier.lab";

  /**
   * How to start.
   *
   * @param realPeers use the testkit's real Kamailio, BIND 9 and AWS emulator instead of the
   *     simulated carrier, DNS and cloud address (they must be installed)
   */
  public record Options(Path dataDir, String bind, int port, boolean realPeers) {

    public Options(Path dataDir, String bind, int port) {
      this(dataDir, bind, port, false);
    }
  }

  private final Options options;
  private final Clock clock = Clock.systemUTC();
  final LabNetwork network = new LabNetwork();
  final Map<String, LabSite> sites = new LinkedHashMap<>();
  private final Map<String, AgentDriver> agents = new ConcurrentHashMap<>();
  private final Map<String, String> secrets = new HashMap<>();
  private final List<Consumer<RuntimeEvent>> listeners = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  final List<RunRecord> runs = new CopyOnWriteArrayList<>();
  private final Map<String, Decision> lastDecision = new ConcurrentHashMap<>();
  private final Map<String, Instant> acquiringSince = new ConcurrentHashMap<>();
  private final Set<String> handoverTargets = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timers =
      Executors.newScheduledThreadPool(2, Thread.ofVirtual().name("lab-timer-", 0).factory());
  private final JsonMapper json = JsonMapper.shared();

  LabPeers peers;
  BuiltInWitness witness;
  private ConfigurableApplicationContext server;
  private URI baseUrl;
  private URI witnessUrl;
  private String adminPassword;
  private String viewerPassword;
  private volatile Instant faultAt;

  /** Set while a drill switches over and back: its runs are marked as drills. */
  volatile boolean drilling;

  private volatile String lastActive;
  private volatile LabRuntime runtime;

  public LabCluster(Options options) {
    this.options = options;
  }

  // ---------------------------------------------------------------- start

  /**
   * Starts everything; on failure stops what already started and rethrows.
   *
   * @throws io.tandem.testkit.PeerNotInstalledException with real peers, when one is missing
   */
  public LabCluster start() {
    try {
      return startAll();
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  private LabCluster startAll() {
    try {
      Files.createDirectories(options.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create lab data directory " + options.dataDir(), e);
    }
    sites.put(PRIMARY, new LabSite(PRIMARY, "onprem", 1, "192.0.2.10"));
    sites.put(BACKUP, new LabSite(BACKUP, "aws", 2, "198.51.100.20"));
    for (LabSite s : sites.values()) {
      secrets.put(s.name, random(24));
    }
    adminPassword = random(12);
    viewerPassword = random(12);
    try {
      startPeers();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the lab's simulated peers", e);
    }
    var auth =
        SharedSecretAuthenticator.of(
            Map.of(
                PRIMARY, secrets.get(PRIMARY).getBytes(StandardCharsets.UTF_8),
                BACKUP, secrets.get(BACKUP).getBytes(StandardCharsets.UTF_8)));
    witness =
        new BuiltInWitness(
            WitnessClusters.of(List.of(new WitnessCluster(CLUSTER, LabTimings.witness(), auth))),
            clock,
            System::nanoTime,
            new FileWitnessStateStore(options.dataDir().resolve("witness")));
    // The witness's own listener, as 'tandem witness' serves it, on an ephemeral port.
    var witnessServer =
        WitnessHttpServer.start(
            new InetSocketAddress(options.bind(), 0), Optional.empty(), witness, Map.of());
    closeables.add(witnessServer);
    witnessUrl = URI.create("http://" + options.bind() + ":" + witnessServer.address().getPort());
    runtime = new LabRuntime(this);
    server =
        TandemServer.start(
            serverProperties(),
            Map.of("clusterRuntime", runtime),
            // as arguments, so they win over application.properties: the lab prints its own
            // timeline, and the simulated AMI peers make asterisk-java chatty
            "--logging.level.io.tandem=WARN",
            "--logging.level.org.asteriskjava=OFF",
            "--logging.level.org.springdoc=ERROR");
    baseUrl =
        URI.create(
            "http://"
                + options.bind()
                + ":"
                + server.getEnvironment().getProperty("local.server.port"));
    for (LabSite s : sites.values()) {
      startAgent(s);
    }
    return this;
  }

  private Map<String, Object> serverProperties() {
    Map<String, Object> p = new HashMap<>();
    p.put("server.address", options.bind());
    p.put("server.port", String.valueOf(options.port()));
    p.put("tandem.data-dir", options.dataDir().toAbsolutePath().toString());
    p.put("tandem.security.users[0].name", "admin");
    p.put("tandem.security.users[0].role", "ADMIN");
    p.put("tandem.security.users[0].password", adminPassword);
    p.put("tandem.security.users[1].name", "viewer");
    p.put("tandem.security.users[1].role", "VIEWER");
    p.put("tandem.security.users[1].password", viewerPassword);
    return p;
  }

  private void startPeers() throws IOException {
    Map<String, InetSocketAddress> pbxAddresses = new LinkedHashMap<>();
    for (LabSite s : sites.values()) {
      s.pbx = s.own(SimSipServer.pbx(s.name, clock));
      s.pbxModel =
          new PbxModel("Asterisk 22.1.0 (simulated " + s.name + ")")
              .trunk(TRUNK, false)
              .contact("phone-100", true)
              .contact("phone-101", true);
      s.ami = s.own(new AmiServer(s.pbxModel, new PbxFaults(), "tandem", secretFor("ami")));
      pbxAddresses.put(s.name, new InetSocketAddress("127.0.0.1", s.pbx.port()));
    }
    Map<String, String> trunkUsers = Map.of(TRUNK_USER, secretFor("trunk"));
    String initialIp = sites.get(PRIMARY).publicIp;
    peers =
        own(
            options.realPeers()
                ? RealLabPeers.start(List.copyOf(sites.keySet()), CARRIER_DOMAIN, trunkUsers)
                : SimulatedLabPeers.start(
                    pbxAddresses, CARRIER_DOMAIN, trunkUsers, initialIp, clock));
  }

  /** The carrier, DNS and public address this lab fails over between. */
  LabPeers peers() {
    return peers;
  }

  /** One line per peer for the console, saying which are real. */
  public List<String> describePeers() {
    return peers.describe();
  }

  /** Whether the carrier, DNS and public address are the testkit's real peers. */
  public boolean realPeers() {
    return peers != null && peers.real();
  }

  /** The service record as it should be when {@code site} serves. */
  DnsRecord serviceRecord(LabSite site) {
    return new DnsRecord(peers.zone(), peers.serviceName(), "A", 30, List.of(site.publicIp));
  }

  private void startAgent(LabSite s) {
    s.sip = s.own(SipEndpoint.open("127.0.0.1", 0));
    var amiSettings =
        AmiSettings.of("127.0.0.1", s.ami.port(), "tandem", secretFor("ami"))
            .withTimeout(Duration.ofMillis(800));
    s.amiControl = new AmiPbxControl(amiSettings);
    s.own(s.amiControl::close);
    var sensors = new AmiSensors(s.amiControl, amiSettings, clock, System::nanoTime);
    var scheduler = s.own(ExecutorTaskScheduler.singleThread("lab-health-" + s.name));
    s.health =
        s.own(
            SiteHealthMonitor.builder()
                .site(s.name)
                .clock(clock)
                .scheduler(scheduler)
                .readers(Executors.newVirtualThreadPerTaskExecutor())
                .sensor(
                    SipOptionsProbe.of(
                        new SensorSpec(
                            "sip-options-local",
                            "sip-options",
                            true,
                            3,
                            LabTimings.SENSOR_INTERVAL,
                            LabTimings.SENSOR_TIMEOUT),
                        s.sip,
                        new SipTarget("127.0.0.1", s.pbx.port(), "udp")),
                    new Hysteresis(2, 2))
                .sensor(sensors.coreStatus(), new Hysteresis(2, 2))
                .sensor(sensors.activeChannels(), new Hysteresis(2, 1))
                .build());
    var trunkRegistrar =
        new SipTrunkRegistrar(
            s.sip,
            List.of(
                SipTrunk.builder(TRUNK)
                    .domain(peers.carrierDomain())
                    .registrar(peers.carrierHostPort())
                    .transport("udp")
                    .user(TRUNK_USER)
                    .password(secretFor("trunk"))
                    .expires(Duration.ofSeconds(300))
                    .requestTimeout(Duration.ofSeconds(1))
                    .build()),
            new RegistrarLocator(labResolver()),
            clock,
            timers,
            token -> s.agent != null && s.agent.holder().holds(token.epoch()));
    s.registrar = s.own(trunkRegistrar);
    s.reports =
        new ReportStore(
            options.dataDir().resolve("reports"), clock, ReportStore.Retention.defaults());
    Set<String> peers = new java.util.HashSet<>(sites.keySet());
    peers.remove(s.name);
    var settings = LabTimings.agent(CLUSTER, s.name, s.priority, peers);
    var http =
        new HttpWitness(
            HttpClient.newBuilder().connectTimeout(LabTimings.WITNESS_CALL_TIMEOUT).build(),
            witnessUrl,
            s.name,
            () -> secrets.get(s.name),
            LabTimings.WITNESS_CALL_TIMEOUT,
            json);
    var transport = s.own(new LabPeerTransport(s.name, network, agents));
    s.agent =
        new AgentDriver(
            settings,
            new LabWitnessLink(s.name, http, network),
            transport,
            s.health::snapshot,
            actionsFor(s),
            System::nanoTime,
            clock,
            d -> onDecision(s, d));
    s.engine =
        RunbookEngine.builder()
            .clock(clock)
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .ticketGuard(token -> s.agent.holder().holds(token.epoch()))
            .journals(new JournalDirectory(options.dataDir().resolve("journal-" + s.name), clock))
            .reports(s.reports)
            .build();
    agents.put(s.name, s.agent);
    s.health.start();
    s.agent.start();
  }

  /** Trunk registrars resolve through the lab's own DNS server, never the machine's resolver. */
  private SimpleResolver labResolver() {
    SimpleResolver r = new SimpleResolver(new InetSocketAddress("127.0.0.1", peers.dnsPort()));
    r.setTimeout(Duration.ofSeconds(1));
    return r;
  }

  // ---------------------------------------------------------------- actions

  private SiteActions actionsFor(LabSite s) {
    return new SiteActions() {
      @Override
      public void activate(FencingToken token, String reason) {
        Thread.ofVirtual().name("lab-runbook-" + s.name).start(() -> runFailover(s, token));
      }

      @Override
      public CompletionStage<Void> fence(String reason) {
        return CompletableFuture.runAsync(
            () -> {
              // step down: refuse calls first, then drop our trunk contact (best effort)
              s.pbx.serving(false);
              try {
                s.amiControl.stopNewCalls();
              } catch (RuntimeException e) {
                // the PBX may be what failed; the SIP side already refuses
              }
            },
            Executors.newVirtualThreadPerTaskExecutor());
      }
    };
  }

  private void runFailover(LabSite to, FencingToken token) {
    String from = lastActive == null || lastActive.equals(to.name) ? null : lastActive;
    LabSite old = from == null ? null : sites.get(from);
    var topology =
        FailoverTopology.builder()
            .cluster(CLUSTER)
            .fromSite(from == null ? other(to.name) : from)
            .toSite(to.name)
            .address(peers.address(), peers.allocationId(), peers.targetOf(to.name))
            .dns(peers.dns(), serviceRecord(to))
            .trunk(
                to.registrar,
                TRUNK,
                to.trunkContact(TRUNK_USER),
                old == null ? null : old.trunkContact(TRUNK_USER))
            .probe(
                peers.publicAddressProbe(
                    to.name, new InetSocketAddress("127.0.0.1", to.pbx.port())));
    boolean planned = handoverTargets.remove(to.name) && old != null;
    if (planned) {
      topology.oldPbx(old.amiControl).newPbx(to.amiControl);
    } else if (old != null) {
      topology.fence(new SimFencer(Map.of(old.name, old.pbx)), old.name);
    }
    String runId = "run-" + token.epoch() + "-" + to.name;
    Instant decided = clock.instant();
    Instant detected = acquiringSince.getOrDefault(to.name, decided);
    Instant outage = faultAt != null && faultAt.isBefore(detected) ? faultAt : detected;
    var request =
        from == null || planned
            ? RunRequest.planned(runId, token)
            : RunRequest.outage(runId, token, outage, detected, decided);
    String kind = from == null ? "ACTIVATION" : planned ? "SWITCHOVER" : "FAILOVER";
    if (drilling && planned) {
      request = request.asDrill();
      kind = "DRILL";
    }
    var record = new RunRecord(runId, to.name, kind, from == null ? "-" : from, to.name, decided);
    runs.add(0, record);
    emit("run", record.view());
    RunReport report;
    try {
      report =
          to.engine.run(
              planned
                  ? StandardRunbooks.switchover(topology.build(), RunbookOptions.defaults())
                  : StandardRunbooks.failover(topology.build(), RunbookOptions.defaults()),
              request);
    } catch (RuntimeException e) {
      record.finish("FAILED", clock.instant(), null);
      emit("run", record.view());
      return;
    }
    Long rto = report.rto() == null ? null : report.rto().totalMillis();
    record.finish(report.outcome(), report.endedAt(), rto);
    if ("SUCCEEDED".equalsIgnoreCase(report.outcome())
        || "VERIFIED".equalsIgnoreCase(report.outcome())) {
      lastActive = to.name;
    }
    emit("run", record.view());
    // the serving site changes when the run's steps land, not with an agent state change
    emit("state", runtime.status());
    reportListeners.forEach(l -> l.accept(report));
  }

  final List<Consumer<RunReport>> reportListeners = new CopyOnWriteArrayList<>();

  private String other(String site) {
    return sites.keySet().stream().filter(n -> !n.equals(site)).findFirst().orElseThrow();
  }

  // ---------------------------------------------------------------- decisions and events

  private void onDecision(LabSite s, Decision d) {
    Decision prev = lastDecision.put(s.name, d);
    if (d.to() == AgentState.ACQUIRING && (prev == null || prev.to() != AgentState.ACQUIRING)) {
      acquiringSince.put(s.name, d.at());
    }
    if (d.reason() == io.tandem.core.agent.ReasonCode.SWITCHOVER_TARGET_ACQUIRING) {
      handoverTargets.add(s.name);
    }
    if (d.to() == AgentState.STANDBY
        && !s.crashed
        && !s.pbx.serving()
        && network.peerReachable(s.name, other(s.name))
        && network.witnessReachable(s.name)) {
      // the lab's operator repairs a fenced site as soon as it stands by again with its links up
      s.pbx.serving(true);
      try {
        s.amiControl.acceptNewCalls();
      } catch (RuntimeException e) {
        // the next standby decision tries again
      }
    }
    boolean changed =
        prev == null
            || prev.to() != d.to()
            || prev.reason() != d.reason()
            || d.action() != io.tandem.core.agent.Action.NONE;
    if (changed) {
      emit("decision", LabRuntime.view(s.name, d));
      if (prev == null || prev.to() != d.to()) {
        emit("state", runtime.status());
      }
    }
  }

  void emit(String type, Object data) {
    RuntimeEvent e = new RuntimeEvent(type, clock.instant(), data);
    for (Consumer<RuntimeEvent> l : listeners) {
      try {
        l.accept(e);
      } catch (RuntimeException ignored) {
        // a listener (SSE client) that fails is removed by its own cleanup
      }
    }
  }

  AutoCloseable subscribe(Consumer<RuntimeEvent> l) {
    listeners.add(l);
    return () -> listeners.remove(l);
  }

  // ---------------------------------------------------------------- scenarios

  /** Marks the start of an outage (the RTO clock starts here). */
  void faultAt(Instant at) {
    this.faultAt = at;
  }

  Instant faultAt() {
    return faultAt;
  }

  /** The site that serves now, if exactly one does. */
  Optional<String> servingSite() {
    List<String> serving =
        sites.values().stream()
            .filter(s -> !s.crashed && s.agent != null && s.agent.serving())
            .map(s -> s.name)
            .toList();
    return serving.size() == 1 ? Optional.of(serving.get(0)) : Optional.empty();
  }

  String lastActive() {
    return lastActive;
  }

  Clock clock() {
    return clock;
  }

  public URI baseUrl() {
    return baseUrl;
  }

  public String adminPassword() {
    return adminPassword;
  }

  public String viewerPassword() {
    return viewerPassword;
  }

  public LabRuntime runtime() {
    return runtime;
  }

  // ---------------------------------------------------------------- helpers

  private String secretFor(String what) {
    return secrets.computeIfAbsent("peer:" + what, k -> random(18));
  }

  private static String random(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private <T extends AutoCloseable> T own(T c) {
    closeables.add(c);
    return c;
  }

  @Override
  public void close() {
    for (LabSite s : sites.values()) {
      if (s.agent != null) {
        s.agent.close();
      }
      s.close();
    }
    timers.shutdownNow();
    if (server != null) {
      server.close();
    }
    for (int i = closeables.size() - 1; i >= 0; i--) {
      try {
        closeables.get(i).close();
      } catch (Exception e) {
        // shutting the lab down: keep closing the rest
      }
    }
  }
}
