package io.tandem.app.lab;

import io.tandem.app.cli.AgentCommand;
import io.tandem.app.cli.WitnessCommand;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ClusterConfigLoader;
import io.tandem.core.event.EventPublisher;
import io.tandem.core.event.TandemEvent;
import io.tandem.sim.lab.SimSipServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import picocli.CommandLine;

/**
 * {@code tandem lab}: a whole cluster on loopback in one process, run by the production code. The
 * lab writes a cluster file ({@link LabClusterFile}) and the secret files it references, starts the
 * built-in witness through {@code tandem witness}'s code path and every site's agent through {@code
 * tandem agent}'s ({@link AgentCommand#start}: validation, {@code AgentAssembly}, server), with the
 * simulated peers plugged in through the product's provider seam ({@link LabProviders}). Each
 * agent's own API and console are what the lab serves; its management traffic crosses the {@link
 * LabNetwork}, where scenarios cut links.
 *
 * <p>The lab itself only plays what is outside the agents: the PBXs (simulated, SIP and AMI), the
 * carrier, DNS and cloud address (simulated or real), the network, and an operator who powers a
 * fenced site back on once it stands by again. Thread-safe.
 */
public final class LabCluster implements AutoCloseable {

  static final String CLUSTER = "lab";
  public static final String PRIMARY = "east-a";
  public static final String BACKUP = "east-b";
  static final String TRUNK = "carrier-trunk";
  static final String TRUNK_USER = "trunk1";
  static final String CARRIER_REALM = "carrier.lab";

  /** Spring arguments (they win over application.properties): the lab prints its own timeline. */
  private static final String[] SERVER_ARGS = {
    "--logging.level.io.tandem=WARN",
    "--logging.level.org.asteriskjava=OFF",
    "--logging.level.org.springdoc=ERROR"
  };

  /**
   * How to start.
   *
   * @param bind where the agents' consoles and APIs listen (loopback unless served over HTTPS)
   * @param port the first site's console/API port (the next sites take the following ones); 0 for
   *     free ports
   * @param realPeers use the testkit's real Kamailio, BIND 9 and AWS emulator instead of the
   *     simulated carrier, DNS and cloud address (they must be installed)
   * @param approvalGates {@code policies.approvalGates} of the lab's cluster file (none by default)
   */
  public record Options(
      Path dataDir, String bind, int port, boolean realPeers, List<String> approvalGates) {

    public Options {
      approvalGates = List.copyOf(approvalGates);
    }

    public Options(Path dataDir, String bind, int port, boolean realPeers) {
      this(dataDir, bind, port, realPeers, List.of());
    }

    public Options(Path dataDir, String bind, int port) {
      this(dataDir, bind, port, false);
    }
  }

  private final Options options;
  private final Clock clock = Clock.systemUTC();
  final LabNetwork network = new LabNetwork();
  final Map<String, LabSite> sites = new LinkedHashMap<>();
  private final List<Consumer<? super TandemEvent>> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, String> env = new LinkedHashMap<>();
  private LabPeers peers;
  private WitnessCommand.Running witness;
  private Path clusterFile;
  private Path apiTokenFile;
  private LabProviders providers;
  private ClusterConfig config;
  private String previousAwsCredentials;
  private boolean awsCredentialsSet;

  public LabCluster(Options options) {
    this.options = options;
  }

  /**
   * Starts everything; on failure stops what already started and rethrows.
   *
   * @throws io.tandem.sim.peer.PeerNotInstalledException with real peers, when one is missing
   * @throws io.tandem.app.cli.CliException when an agent or the witness refuses its input
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
    LabClusterFile file = new LabClusterFile(options.dataDir());
    String amiSecret = file.secret("ami");
    String trunkSecret = file.secret("trunk");
    file.secret("peer");
    env.put("TANDEM_ADMIN_PASSWORD", file.secret("console-admin"));
    env.put("TANDEM_VIEWER_PASSWORD", file.secret("console-viewer"));
    env.put("TANDEM_API_TOKEN", file.secret("api-token"));
    apiTokenFile = file.secrets().resolve("api-token");
    sites.put(PRIMARY, new LabSite(PRIMARY, 1, "192.0.2.10", amiSecret, clock));
    sites.put(BACKUP, new LabSite(BACKUP, 2, "198.51.100.20", amiSecret, clock));
    for (LabSite s : sites.values()) {
      s.pbxConfig = options.dataDir().resolve(s.name + "-pbx/etc/asterisk");
      LabSync.seed(s.pbxConfig);
    }
    Map<String, InetSocketAddress> pbxBySite = new LinkedHashMap<>();
    sites.values().forEach(s -> pbxBySite.put(s.name, s.sip()));
    Map<String, String> trunkUsers = Map.of(TRUNK_USER, trunkSecret);
    // the TSIG key the agents sign DNS updates with: BIND's own, or (simulated) a fresh one
    peers =
        options.realPeers()
            ? RealLabPeers.start(pbxBySite, CARRIER_REALM, trunkUsers)
            : SimulatedLabPeers.start(
                pbxBySite,
                CARRIER_REALM,
                trunkUsers,
                sites.get(PRIMARY).publicIp,
                file.secret("tsig"),
                clock);
    file.secret("tsig", peers.dnsServer().secret());
    sites.keySet().forEach(s -> file.secret("witness/" + s));
    int witnessPort = freePort();
    network.node(LabNetwork.WITNESS, witnessPort);
    List<LabClusterFile.Site> described = new ArrayList<>();
    int i = 0;
    for (LabSite s : sites.values()) {
      int port = options.port() == 0 ? freePort() : options.port() + i++;
      network.node(s.name, port);
      described.add(
          new LabClusterFile.Site(
              s.name,
              s.priority,
              port,
              s.pbx.port(),
              s.ami.port(),
              peers.targetOf(s.name),
              s.publicIp,
              s.pbxConfig));
    }
    clusterFile =
        file.write(
            described,
            peers.allocationId(),
            peers.dnsServer(),
            peers.carrierHostPort(),
            TRUNK_USER,
            witnessPort,
            peers.aws(),
            options.approvalGates());
    config = new ClusterConfigLoader().load(clusterFile);
    witness = startWitness(witnessPort);
    if (peers.aws().isPresent()) {
      // the production AWS clients find the emulator's credentials as a named profile
      previousAwsCredentials = System.getProperty("aws.sharedCredentialsFile");
      System.setProperty("aws.sharedCredentialsFile", file.awsCredentials().toString());
      awsCredentialsSet = true;
    }
    providers =
        peers.real()
            ? LabProviders.production()
            : LabProviders.simulated(peers.address(), peers.dns(), new SimFencer(pbxByInstance()));
    for (LabSite s : sites.values()) {
      startAgent(s, file);
    }
    return this;
  }

  /** {@code tandem witness --config cluster.yaml}, as an operator starts it. */
  private WitnessCommand.Running startWitness(int port) {
    WitnessCommand command = new WitnessCommand();
    new CommandLine(command)
        .parseArgs(
            "--config",
            clusterFile.toString(),
            "--listen",
            "127.0.0.1:" + port,
            "--data-dir",
            options.dataDir().resolve("witness").toString());
    return command.serve(env);
  }

  /** {@code tandem agent --config cluster.yaml --site <name>}, as an operator starts it. */
  private void startAgent(LabSite s, LabClusterFile file) {
    AgentCommand command = new AgentCommand();
    new CommandLine(command)
        .parseArgs(
            "--config",
            clusterFile.toString(),
            "--site",
            s.name,
            "--data-dir",
            options.dataDir().resolve(s.name).toString(),
            "--peer-secret-file",
            file.secrets().resolve("peer").toString(),
            "--bind",
            options.bind());
    s.agent = command.start(env, providers, http -> network.client(s.name, http), SERVER_ARGS);
    s.runtime().events().onEvent(e -> onEvent(s, e));
  }

  private Map<String, SimSipServer> pbxByInstance() {
    Map<String, SimSipServer> out = new LinkedHashMap<>();
    sites.values().forEach(s -> out.put(peers.targetOf(s.name), s.pbx));
    return out;
  }

  /**
   * Every agent event goes to the lab's listeners; and the lab's operator powers a fenced site back
   * on as soon as it stands by again with its links up.
   */
  private void onEvent(LabSite s, TandemEvent e) {
    if (e instanceof TandemEvent.DecisionMade d
        && d.site().equals(s.name)
        && io.tandem.app.api.DecisionView.of(d.site(), d.decision()).state().equals("STANDBY")
        && !s.crashed
        && !s.pbx.serving()
        && network.witnessReachable(s.name)
        && sites.keySet().stream().allMatch(o -> network.peerReachable(s.name, o))) {
      s.pbx.serving(true);
    }
    for (Consumer<? super TandemEvent> l : listeners) {
      try {
        l.accept(e);
      } catch (RuntimeException ignored) {
        // one failing listener must not stop the others
      }
    }
  }

  /** Every event of every agent's production event stream, as it happens. */
  public EventPublisher.Subscription subscribe(Consumer<? super TandemEvent> l) {
    listeners.add(l);
    return () -> listeners.remove(l);
  }

  // ---------------------------------------------------------------- views

  /** The site that serves now, if exactly one does. */
  Optional<String> servingSite() {
    List<String> serving =
        sites.values().stream().filter(LabSite::serving).map(s -> s.name).toList();
    return serving.size() == 1 ? Optional.of(serving.get(0)) : Optional.empty();
  }

  LabSite site(String name) {
    return sites.get(name);
  }

  /** The production API of {@code site}'s agent (what its console and the CLI talk to). */
  public io.tandem.app.agent.AgentRuntime runtime(String site) {
    return sites.get(site).runtime();
  }

  /** The carrier, DNS and public address this lab fails over between. */
  LabPeers peers() {
    return peers;
  }

  /** One line per peer, saying which are real. */
  public List<String> describePeers() {
    return peers.describe();
  }

  /** Whether the carrier, DNS and public address are the testkit's real peers. */
  public boolean realPeers() {
    return peers != null && peers.real();
  }

  /** The providers the agents were assembled with. */
  LabProviders providers() {
    return providers;
  }

  /**
   * A file holding an operator API token valid on every agent ({@code tandem plan --token-file}).
   */
  public Path apiTokenFile() {
    return apiTokenFile;
  }

  /** The cluster file every agent runs with. */
  public Path clusterFile() {
    return clusterFile;
  }

  /** The cluster file as loaded (timings and all). */
  public ClusterConfig config() {
    return config;
  }

  /** The console and API of {@code site}'s agent. */
  public URI consoleUrl(String site) {
    return URI.create("http://" + options.bind() + ":" + sites.get(site).agent.port());
  }

  public List<String> siteNames() {
    return List.copyOf(sites.keySet());
  }

  public String adminPassword() {
    return env.get("TANDEM_ADMIN_PASSWORD");
  }

  public String viewerPassword() {
    return env.get("TANDEM_VIEWER_PASSWORD");
  }

  Clock clock() {
    return clock;
  }

  // ---------------------------------------------------------------- helpers

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  @Override
  public void close() {
    for (LabSite s : sites.values()) {
      try {
        s.close();
      } catch (RuntimeException e) {
        // shutting the lab down: keep closing the rest
      }
    }
    if (witness != null) {
      witness.close();
    }
    if (peers != null) {
      peers.close();
    }
    if (awsCredentialsSet) {
      if (previousAwsCredentials == null) {
        System.clearProperty("aws.sharedCredentialsFile");
      } else {
        System.setProperty("aws.sharedCredentialsFile", previousAwsCredentials);
      }
      awsCredentialsSet = false;
    }
  }
}
