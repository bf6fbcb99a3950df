package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tandem.app.server.TandemServer;
import io.tandem.app.witness.WitnessDatagramServer;
import io.tandem.app.witness.WitnessHttpServer;
import io.tandem.app.witness.WitnessServerConfig;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.InMemoryWitnessStateStore;
import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.WitnessCluster;
import io.tandem.core.witness.WitnessClusters;
import io.tandem.core.witness.WitnessSettings;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import io.tandem.sim.peer.Bind9Peer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Agents as {@code tandem agent} builds and serves them, on loopback: a built-in witness behind its
 * real HTTP server, for each site an agent with its own API/peer server and a simulated Asterisk
 * (real AMI over TCP), and a webhook receiver that collects every notification. A test writes the
 * cluster file (with {@link #placeholders} filled in), then starts and kills sites.
 */
final class LoopbackCluster implements AutoCloseable {

  static final String PEER_SECRET = "peer-secret-0123456789abcdefghijklmnop";
  static final String VIEWER_TOKEN = "e2e-test-token-0123456789abcdef";
  static final String OPERATOR_TOKEN = "e2e-operator-token-0123456789ab";
  static final String AMI_PASSWORD = "ami-pw";

  final Path dir;
  final String cluster;
  final List<String> sites;
  final Map<String, PbxModel> pbx = new LinkedHashMap<>();
  final Map<String, AmiServer> ami = new LinkedHashMap<>();
  final Map<String, Integer> managementPort = new LinkedHashMap<>();
  final Map<String, AgentAssembly> agents = new LinkedHashMap<>();
  final List<String> notifications = new CopyOnWriteArrayList<>();
  private final Map<String, ConfigurableApplicationContext> servers = new HashMap<>();
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private final WitnessHttpServer witnessServer;
  private final WitnessDatagramServer witnessDatagrams;
  private final java.util.concurrent.atomic.AtomicBoolean witnessClosed =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final int witnessPort;
  private final int hookPort;
  private Path config;

  LoopbackCluster(Path dir, String cluster, List<String> sites) throws IOException {
    this.dir = dir;
    this.cluster = cluster;
    this.sites = List.copyOf(sites);
    Map<String, byte[]> secrets = new HashMap<>();
    sites.forEach(s -> secrets.put(s, witnessSecret(s).getBytes(StandardCharsets.UTF_8)));
    var auth = SharedSecretAuthenticator.of(secrets);
    var witness =
        new BuiltInWitness(
            WitnessClusters.of(
                List.of(
                    new WitnessCluster(
                        cluster,
                        WitnessSettings.builder()
                            .grace(Duration.ofSeconds(1))
                            .maxTtl(Duration.ofSeconds(60))
                            .build(),
                        auth))),
            Clock.systemUTC(),
            System::nanoTime,
            new InMemoryWitnessStateStore());
    var w =
        WitnessHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0), java.util.Optional.empty(), witness, Map.of());
    witnessServer = w;
    witnessPort = w.address().getPort();
    // the datagram listener beside it, as `tandem witness` starts it (WitnessCommand.serve)
    witnessDatagrams =
        WitnessDatagramServer.start(
            w.address(),
            witness,
            List.of(
                new WitnessServerConfig.Cluster(
                    cluster,
                    dir.resolve("cluster.yaml"),
                    secrets,
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(1),
                    Map.of())),
            Clock.systemUTC());
    cleanup.add(this::closeWitnessOnce);

    HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext(
        "/hook",
        ex -> {
          notifications.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    hook.start();
    cleanup.add(() -> hook.stop(0));
    hookPort = hook.getAddress().getPort();

    for (String s : sites) {
      PbxModel model = new PbxModel("20.7.0");
      AmiServer server = new AmiServer(model, new PbxFaults(), "tandem", AMI_PASSWORD);
      cleanup.add(server);
      pbx.put(s, model);
      ami.put(s, server);
      managementPort.put(s, freePort());
    }
  }

  /**
   * The cluster file of two on-premises Asterisk sites ({@code alpha} preferred, {@code beta}), an
   * RFC 2136 record on {@code bind} and the built-in witness at {@code witnessEndpointPort} (the
   * witness itself, or a fault proxy in front of it), with the secrets from the environment; {@link
   * #writeConfig} fills the placeholders.
   */
  static String twoAsteriskSites(String name, Bind9Peer bind, int witnessEndpointPort) {
    return """
        cluster: %6$s
        sites:
          - name: alpha
            kind: onprem
            priority: 1
            managementAddress: {mgmt:alpha}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:alpha}, user: tandem, secret: "${env:AMI_SECRET}" }
          - name: beta
            kind: onprem
            priority: 2
            managementAddress: {mgmt:beta}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:beta}, user: tandem, secret: "${env:AMI_SECRET}" }
        dns:
          - provider: rfc2136
            zone: %1$s
            name: sip.%1$s
            type: A
            ttl: 5
            values: { alpha: 127.0.0.11, beta: 127.0.0.12 }
            rfc2136:
              server: 127.0.0.1
              port: %2$d
              tsigKeyName: %3$s
              tsigAlgorithm: %4$s
              tsigSecret: "${env:TSIG_SECRET}"
        witness:
          kind: builtin
          endpoints: [ "http://127.0.0.1:%5$d" ]
          siteSecrets: { alpha: "${env:WITNESS_SECRET}", beta: "${env:WITNESS_SECRET}" }
        """
        .formatted(
            bind.zone(),
            bind.port(),
            bind.tsigKeyName(),
            bind.tsigAlgorithm(),
            witnessEndpointPort,
            name);
  }

  static String witnessSecret(String site) {
    return (site + "-witness-secret-0123456789").substring(0, 24);
  }

  /**
   * Fills {@code {mgmt:<site>}}, {@code {ami:<site>}}, {@code {witness}} and {@code {hook}} in a
   * cluster file.
   */
  String placeholders(String yaml) {
    String out = yaml.replace("{witness}", "http://127.0.0.1:" + witnessPort);
    out = out.replace("{hook}", "http://127.0.0.1:" + hookPort + "/hook");
    for (String s : sites) {
      out = out.replace("{mgmt:" + s + "}", "127.0.0.1:" + managementPort.get(s));
      out = out.replace("{ami:" + s + "}", Integer.toString(ami.get(s).port()));
    }
    return out;
  }

  /** Writes the cluster file every agent reads. */
  void writeConfig(String yaml) throws IOException {
    config = dir.resolve("cluster.yaml");
    Files.writeString(config, placeholders(yaml));
  }

  /** A site's secrets: the AMI password, its witness secret, plus {@code extra}. */
  SecretResolver secrets(String site, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(extra);
    env.put("AMI_SECRET", AMI_PASSWORD);
    env.put("WITNESS_SECRET", witnessSecret(site));
    env.put("HOOK_SECRET", "hook-secret-0123456789");
    return SecretResolver.of(env);
  }

  /** Validates the file as {@code tandem agent} does, assembles, serves and starts the site. */
  AgentAssembly start(String site, Map<String, String> extraSecrets) {
    return start(site, extraSecrets, UnaryOperator.identity());
  }

  AgentAssembly start(
      String site, Map<String, String> extraSecrets, UnaryOperator<AgentAssembly.Options> tweak) {
    AgentAssembly agent = serve(site, extraSecrets, tweak);
    agent.start();
    return agent;
  }

  /** As {@link #start} but the agent's loop is not started yet (the caller starts it). */
  AgentAssembly serve(
      String site, Map<String, String> extraSecrets, UnaryOperator<AgentAssembly.Options> tweak) {
    SecretResolver env = secrets(site, extraSecrets);
    ConfigValidation.Result r =
        new ConfigValidation().validate(config, Optional.of(env), Optional.of(site));
    assertThat(r.problems()).isEmpty();
    ClusterConfig c = r.config().orElseThrow();
    AgentAssembly agent =
        AgentAssembly.assemble(
            c,
            site,
            tweak.apply(
                new AgentAssembly.Options(
                    dir.resolve(site),
                    env,
                    PEER_SECRET.getBytes(StandardCharsets.UTF_8),
                    "http",
                    HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build(),
                    Clock.systemUTC(),
                    System::nanoTime)));
    agents.put(site, agent);
    Map<String, Object> props =
        new HashMap<>(
            TwoAgentFailoverTest.serverProps(managementPort.get(site), dir.resolve(site)));
    props.put("tandem.security.tokens[1].name", "ops-operator");
    props.put("tandem.security.tokens[1].role", "OPERATOR");
    props.put("tandem.security.tokens[1].token", OPERATOR_TOKEN);
    ConfigurableApplicationContext server =
        TandemServer.start(
            props,
            Map.of(
                "clusterRuntime", agent.runtime(),
                "agentDriver", agent.driver(),
                "peerAuthentication", agent.peerAuthentication(),
                "syncAgent", agent.sync()));
    servers.put(site, server);
    agent.auditTo(server.getBean(io.tandem.app.audit.AuditLog.class));
    return agent;
  }

  /** The whole site's agent stops dead (its loop, its server); its PBX model stays. */
  void kill(String site) {
    Optional.ofNullable(agents.remove(site)).ifPresent(AgentAssembly::close);
    Optional.ofNullable(servers.remove(site)).ifPresent(ConfigurableApplicationContext::close);
  }

  /** The witness stops answering (its listener closes); agents find it unreachable. */
  void stopWitness() throws Exception {
    closeWitnessOnce();
  }

  private void closeWitnessOnce() throws Exception {
    if (witnessClosed.compareAndSet(false, true)) {
      witnessDatagrams.close();
      witnessServer.close();
    }
  }

  /** The witness's port (TCP for HTTP, UDP for datagrams). */
  int witnessPort() {
    return witnessPort;
  }

  /** The witness's datagram listener. */
  WitnessDatagramServer witnessDatagrams() {
    return witnessDatagrams;
  }

  AgentAssembly agent(String site) {
    return agents.get(site);
  }

  /** The agent's API as {@code tandem --url} names it. */
  String url(String site) {
    return "http://127.0.0.1:" + managementPort.get(site);
  }

  /**
   * What a documented CLI command prints and returns, run in this JVM as {@code tandem} runs it.
   */
  record Cli(int code, String out) {}

  Cli tandem(String... args) {
    java.io.PrintStream old = System.out;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.StringWriter text = new java.io.StringWriter();
    picocli.CommandLine cl = io.tandem.app.cli.TandemCommand.commandLine();
    cl.setOut(new java.io.PrintWriter(text, true));
    cl.setErr(new java.io.PrintWriter(text, true));
    System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      int code = cl.execute(args);
      return new Cli(code, out.toString(StandardCharsets.UTF_8) + text);
    } finally {
      System.setOut(old);
    }
  }

  /** A file holding a token, for {@code --token-file}. */
  Path tokenFile(String token) throws IOException {
    return Files.writeString(dir.resolve("token-" + token.hashCode()), token);
  }

  @Override
  public void close() throws Exception {
    List.copyOf(agents.keySet()).forEach(this::kill);
    for (AutoCloseable c : cleanup.reversed()) {
      c.close();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
