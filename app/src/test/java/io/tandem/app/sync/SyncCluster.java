package io.tandem.app.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.agent.AgentAssembly;
import io.tandem.app.agent.ConfigValidation;
import io.tandem.app.agent.Providers;
import io.tandem.app.server.TandemServer;
import io.tandem.app.witness.WitnessHttpServer;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.DnsRecordConfig;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.ServiceAddress;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.port.AddressMover;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.port.Fencer;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.TrunkRegistrar;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.InMemoryWitnessStateStore;
import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.Witness;
import io.tandem.core.witness.WitnessCluster;
import io.tandem.core.witness.WitnessClusters;
import io.tandem.core.witness.WitnessSettings;
import io.tandem.sim.lab.SimDnsServer;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.io.IOException;
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
import java.util.function.Function;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two real agents on loopback as {@code tandem agent} assembles them — each with its own HTTP
 * server (peer link and sync endpoints), its own simulated Asterisk (AMI) and its own directories —
 * and a built-in witness server. The cluster file's {@code sync:} part comes from the test, with
 * {@code %1$s} for the temporary directory.
 */
final class SyncCluster implements AutoCloseable {

  static final String TOKEN = "sync-test-token-0123456789abcdef";
  static final String PEER_SECRET = "peer-secret-0123456789abcdefghijklmnop";
  static final Map<String, String> WITNESS_SECRETS =
      Map.of("alpha", "alpha-witness-secret-0123", "beta", "beta-witness-secret-01234");

  final Path dir;
  final Map<String, AgentAssembly> agents = new LinkedHashMap<>();
  final Map<String, ConfigurableApplicationContext> servers = new HashMap<>();
  final Map<String, AmiServer> pbx = new HashMap<>();
  final Map<String, PbxFaults> faults = new HashMap<>();
  final Map<String, PbxModel> models = new HashMap<>();
  final Map<String, Integer> ports = new HashMap<>();
  final SimDnsServer dns;
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  ClusterConfig config;

  SyncCluster(Path dir, String syncYaml) throws IOException {
    this(dir, syncYaml, false);
  }

  /**
   * @param healthSwitch whether each site also has a critical {@code command} sensor that fails
   *     while the file {@link #downFlag} of the site exists (a site made unhealthy without touching
   *     its PBX)
   */
  SyncCluster(Path dir, String syncYaml, boolean healthSwitch) throws IOException {
    this.dir = dir;
    Map<String, byte[]> secrets = new HashMap<>();
    WITNESS_SECRETS.forEach((k, v) -> secrets.put(k, v.getBytes(StandardCharsets.UTF_8)));
    var auth = SharedSecretAuthenticator.of(secrets);
    var witness =
        new BuiltInWitness(
            WitnessClusters.of(
                List.of(
                    new WitnessCluster(
                        "pbx-sync",
                        WitnessSettings.builder()
                            .grace(Duration.ofSeconds(1))
                            .maxTtl(Duration.ofSeconds(60))
                            .build(),
                        auth))),
            Clock.systemUTC(),
            System::nanoTime,
            new InMemoryWitnessStateStore());
    var witnessServer =
        WitnessHttpServer.start(
            new java.net.InetSocketAddress("127.0.0.1", 0),
            java.util.Optional.empty(),
            witness,
            Map.of());
    cleanup.add(witnessServer::close);
    int witnessPort = witnessServer.address().getPort();
    // the service moves by a DNS record, served by a simulated DNS server through the product's
    // provider seam (an activation with nothing to move fails, and a holder that cannot activate
    // steps down)
    dns = new SimDnsServer("sync.test.", List.of());
    cleanup.add(dns);
    for (String site : List.of("alpha", "beta")) {
      PbxFaults f = new PbxFaults();
      PbxModel model = new PbxModel("20.7.0");
      models.put(site, model);
      AmiServer ami = new AmiServer(model, f, "tandem", "ami-pw");
      cleanup.add(ami);
      pbx.put(site, ami);
      faults.put(site, f);
      ports.put(site, freePort());
    }
    Path config = dir.resolve("cluster.yaml");
    Files.writeString(
        config,
        """
        cluster: pbx-sync
        sites:
          - name: alpha
            kind: onprem
            priority: 1
            managementAddress: 127.0.0.1:%d
            pbx: { type: asterisk, host: 127.0.0.1, port: %d, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, fall: 2, rise: 1 }
        @@SWITCH-alpha@@
          - name: beta
            kind: onprem
            priority: 2
            managementAddress: 127.0.0.1:%d
            pbx: { type: asterisk, host: 127.0.0.1, port: %d, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, fall: 2, rise: 1 }
        @@SWITCH-beta@@
        dns:
          - provider: rfc2136
            zone: sync.test.
            name: sip.sync.test.
            type: A
            ttl: 30
            values: { alpha: 192.0.2.10, beta: 198.51.100.20 }
            rfc2136: { server: 127.0.0.1, port: %d, tsigKeyName: sync-test, tsigSecret: "${env:TSIG_SECRET}" }
        witness:
          kind: builtin
          endpoints: [ "http://127.0.0.1:%d" ]
          siteSecrets: { alpha: "${env:WITNESS_SECRET}", beta: "${env:WITNESS_SECRET}" }
        timings: { tick: 500ms, ticketTtl: 6s, retryTimeout: 1s, witnessGrace: 1s, driftMargin: 200ms }
        """
                .formatted(
                    ports.get("alpha"),
                    pbx.get("alpha").port(),
                    ports.get("beta"),
                    pbx.get("beta").port(),
                    dns.port(),
                    witnessPort)
            + syncYaml.formatted(dir));
    String yaml = Files.readString(config);
    for (String site : List.of("alpha", "beta")) {
      yaml =
          yaml.replace(
              "@@SWITCH-" + site + "@@\n",
              healthSwitch
                  // a forked shell can take over a second on a loaded host: a slow reading
                  // must not look like the switch
                  ? "      - { name: switch, kind: command, critical: true, interval: 3s,"
                      + " timeout: 2900ms, fall: 2, rise: 1, params: { command: \"test ! -e "
                      + downFlag(site)
                      + "\" } }\n"
                  : "");
    }
    Files.writeString(config, yaml);
    for (String site : List.of("alpha", "beta")) {
      SecretResolver env =
          SecretResolver.of(
              Map.of(
                  "AMI_SECRET",
                  "ami-pw",
                  "WITNESS_SECRET",
                  WITNESS_SECRETS.get(site),
                  "TSIG_SECRET",
                  "c3luYy10ZXN0LXRzaWctc2VjcmV0"));
      ConfigValidation.Result r =
          new ConfigValidation().validate(config, Optional.of(env), Optional.of(site));
      assertThat(r.problems()).isEmpty();
      this.config = r.config().orElseThrow();
      start(site, env);
    }
  }

  private void start(String site, SecretResolver env) {
    AgentAssembly agent =
        AgentAssembly.assemble(
            config,
            site,
            new AgentAssembly.Options(
                    dir.resolve("data-" + site),
                    env,
                    PEER_SECRET.getBytes(StandardCharsets.UTF_8),
                    "http",
                    HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build(),
                    Clock.systemUTC(),
                    System::nanoTime)
                .withProviders(this::providers));
    agents.put(site, agent);
    servers.put(
        site,
        TandemServer.start(
            serverProps(ports.get(site), dir.resolve("data-" + site)),
            Map.of(
                "clusterRuntime", agent.runtime(),
                "agentDriver", agent.driver(),
                "peerAuthentication", agent.peerAuthentication(),
                "syncAgent", agent.sync())));
  }

  /**
   * Starts alpha, waits until it serves, then starts beta: the tests want alpha (the site with the
   * data) to be the active one, whatever the load on the machine makes of start-up order.
   */
  void startAgents() {
    agents.get("alpha").start();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> "alpha".equals(agents.get("alpha").runtime().status().activeSite()));
    agents.get("beta").start();
  }

  /** While this file exists, {@code site}'s switch sensor fails (with {@code healthSwitch}). */
  Path downFlag(String site) {
    return dir.resolve("down-" + site);
  }

  SyncAgent sync(String site) {
    return agents.get(site).sync();
  }

  /** Waits until {@code site} is active and both agents have heard each other report healthy. */
  void awaitActive(String site) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> site.equals(agents.get(site).runtime().status().activeSite()));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                agents.values().stream()
                    .allMatch(
                        a ->
                            a.driver().peerReports().size() == 1
                                && a.driver().peerReports().values().stream()
                                    .allMatch(r -> r.healthy())));
  }

  /** The production adapters, with the DNS record served by the simulated DNS server. */
  private Providers.Adapters providers(Providers.Context c) {
    Providers.Adapters sdk = Providers.sdk().open(c);
    return new Providers.Adapters() {
      @Override
      public Witness witness() {
        return sdk.witness();
      }

      @Override
      public PbxControl pbx(SiteConfig site) {
        return sdk.pbx(site);
      }

      @Override
      public Optional<TrunkRegistrar> trunks() {
        return sdk.trunks();
      }

      @Override
      public AddressMover address(SiteConfig site, ServiceAddress address) {
        return sdk.address(site, address);
      }

      @Override
      public DnsUpdater dns(DnsRecordConfig record) {
        return dns;
      }

      @Override
      public Optional<Fencer> fencer(SiteConfig site) {
        return sdk.fencer(site);
      }

      @Override
      public void close() {
        sdk.close();
      }
    };
  }

  /** Stops {@code site} at once: loop, sync runs in flight and server, as a crash would. */
  void kill(String site) {
    agents.remove(site).close();
    servers.remove(site).close();
  }

  <T> T with(String site, Function<AgentAssembly, T> f) {
    return f.apply(agents.get(site));
  }

  static Map<String, Object> serverProps(int port, Path dataDir) {
    Map<String, Object> p = new HashMap<>();
    p.put("server.port", String.valueOf(port));
    p.put("server.address", "127.0.0.1");
    p.put("tandem.data-dir", dataDir.toString());
    p.put("tandem.security.tokens[0].name", "ops");
    p.put("tandem.security.tokens[0].role", "OPERATOR");
    p.put("tandem.security.tokens[0].token", TOKEN);
    p.put("spring.main.banner-mode", "off");
    p.put("logging.level.root", "WARN");
    p.put("logging.level.io.tandem.core.sync", "INFO");
    return p;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    agents.values().forEach(AgentAssembly::close);
    servers.values().forEach(ConfigurableApplicationContext::close);
    for (AutoCloseable c : cleanup.reversed()) {
      c.close();
    }
  }
}
