package io.tandem.app.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import io.tandem.sim.peer.Bind9Peer;
import io.tandem.testkit.Bind9;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12.9 with real processes: two {@code tandem agent} processes and their {@code tandem
 * fence-guard} processes, each started with the command line of its systemd unit (packaging/), a
 * built-in witness, BIND for the service record, and two simulated Asterisks over real AMI. The
 * active agent is frozen with a real {@code SIGSTOP} for 12 s (a GC or VM pause): its guard stops
 * its PBX taking calls before the other site can be granted the ticket, so at no instant do both
 * PBXs accept calls. Without the guard the frozen agent's PBX kept accepting calls while the other
 * site took over.
 */
@Bind9
class FenceGuardSigstopTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Map<String, String> WITNESS_SECRETS =
      Map.of("alpha", "alpha-witness-secret-0123", "beta", "beta-witness-secret-01234");
  static final Duration TTL = Duration.ofSeconds(6);

  @TempDir Path dir;
  final List<Process> processes = new ArrayList<>();
  final List<AutoCloseable> cleanup = new ArrayList<>();

  /** One sample of both PBXs' accept switch, on the test's monotonic clock. */
  record Sample(long nanos, boolean alpha, boolean beta) {}

  final Map<String, Path> logs = new LinkedHashMap<>();
  String tsigSecret = "";

  @AfterEach
  void stop() throws Exception {
    for (var e : logs.entrySet()) {
      // the processes' own words, for a failure's post-mortem (surefire keeps them per test)
      System.out.println("==== " + e.getKey());
      System.out.println(Files.readString(e.getValue()));
    }
    for (Process p : processes) {
      new ProcessBuilder("kill", "-CONT", String.valueOf(p.pid())).start().waitFor();
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    for (AutoCloseable c : cleanup.reversed()) {
      c.close();
    }
  }

  @Test
  void aTwelveSecondSigstopOfTheActiveAgentNeverLeavesTwoPbxsAcceptingCalls(Bind9Peer bind)
      throws Exception {
    var witnessServer =
        io.tandem.app.witness.LoopbackWitness.start(
            "pbx-guard", WITNESS_SECRETS, Duration.ofSeconds(1));
    cleanup.add(witnessServer::close);
    int witnessPort = witnessServer.address().getPort();

    Map<String, PbxModel> models = new LinkedHashMap<>();
    Map<String, AmiServer> amis = new LinkedHashMap<>();
    for (String site : List.of("alpha", "beta")) {
      PbxModel m = new PbxModel("20.7.0");
      AmiServer ami = new AmiServer(m, new PbxFaults(), "tandem", "ami-pw");
      cleanup.add(ami);
      models.put(site, m);
      amis.put(site, ami);
    }
    Path config = dir.resolve("cluster.yaml");
    Files.writeString(
        config,
        """
        cluster: pbx-guard
        sites:
          - name: alpha
            kind: onprem
            priority: 1
            managementAddress: 127.0.0.1:%d
            pbx: { type: asterisk, host: 127.0.0.1, port: %d, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
          - name: beta
            kind: onprem
            priority: 2
            managementAddress: 127.0.0.1:%d
            pbx: { type: asterisk, host: 127.0.0.1, port: %d, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
        dns:
          - provider: rfc2136
            zone: %s
            name: sip.%s
            type: A
            ttl: 5
            values: { alpha: 127.0.0.11, beta: 127.0.0.12 }
            rfc2136:
              server: 127.0.0.1
              port: %d
              tsigKeyName: %s
              tsigAlgorithm: %s
              tsigSecret: "${env:TSIG_SECRET}"
        witness:
          kind: builtin
          endpoints: [ "http://127.0.0.1:%d" ]
          siteSecrets: { alpha: "${env:WITNESS_SECRET}", beta: "${env:WITNESS_SECRET}" }
        timings: { tick: 500ms, ticketTtl: 6s, retryTimeout: 1s, witnessGrace: 1s, driftMargin: 200ms }
        """
            .formatted(
                freePort(),
                amis.get("alpha").port(),
                freePort(),
                amis.get("beta").port(),
                bind.zone(),
                bind.zone(),
                bind.port(),
                bind.tsigKeyName(),
                bind.tsigAlgorithm(),
                witnessPort));
    tsigSecret = bind.tsigSecret();

    for (String site : List.of("alpha", "beta")) {
      logs.put(site + "-guard", start(unit("tandem-fence-guard.service"), site, config));
    }
    Map<String, Process> agents = new HashMap<>();
    for (String site : List.of("alpha", "beta")) {
      logs.put(site + "-agent", start(unit("tandem-agent.service"), site, config));
      agents.put(site, processes.getLast());
    }

    List<Sample> samples = new CopyOnWriteArrayList<>();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    cleanup.add(sampler::shutdownNow);
    sampler.scheduleAtFixedRate(
        () ->
            samples.add(
                new Sample(
                    System.nanoTime(),
                    models.get("alpha").acceptingCalls(),
                    models.get("beta").acceptingCalls())),
        0,
        20,
        TimeUnit.MILLISECONDS);

    // one site activates first (alpha is preferred, but a loaded host may start beta's JVM much
    // earlier): its runbook lets its PBX accept calls again after the start-up fences
    String[] first = new String[1];
    await()
        .atMost(Duration.ofSeconds(240))
        .until(
            () -> {
              for (String site : List.of("alpha", "beta")) {
                String other = site.equals("alpha") ? "beta" : "alpha";
                if (Files.readString(logs.get(site + "-agent"))
                        .contains("agent " + site + ": activation under")
                    && models.get(site).acceptingCalls()
                    && !models.get(other).acceptingCalls()) {
                  first[0] = site;
                  return true;
                }
              }
              return false;
            });
    String active = first[0];
    String standby = active.equals("alpha") ? "beta" : "alpha";
    assertThat(Files.readString(logs.get(active + "-agent"))).contains("fence guard: connected to");
    long activeAt = System.nanoTime();

    long stopped = System.nanoTime();
    signal("STOP", agents.get(active));
    await().atMost(Duration.ofSeconds(60)).until(() -> models.get(standby).acceptingCalls());
    long standbyServes = System.nanoTime();
    // keep the active frozen for 12 s in all, then let it go
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> System.nanoTime() - stopped >= Duration.ofSeconds(12).toNanos());
    signal("CONT", agents.get(active));
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(20))
        .until(() -> models.get(standby).acceptingCalls() && !models.get(active).acceptingCalls());
    sampler.shutdownNow();

    long activeStopped =
        samples.stream()
            .filter(x -> x.nanos() > stopped && !(active.equals("alpha") ? x.alpha() : x.beta()))
            .findFirst()
            .orElseThrow()
            .nanos();
    // design bound: the guard fences at the frozen agent's self-fence point, at most TTL - fence
    // lead after its last renewal; allowance 2 s for a loaded host
    assertThat(activeStopped - stopped).isLessThan(TTL.plusSeconds(2).toNanos());
    assertThat(activeStopped).isLessThan(standbyServes);
    // (before the agents started, both simulators accepted calls: that is the testbed, not Tandem)
    assertThat(samples.stream().filter(x -> x.nanos() >= activeAt))
        .as("never both PBXs accepting calls once %s served", active)
        .noneMatch(x -> x.alpha() && x.beta());
    assertThat(Files.readString(logs.get(active + "-guard")))
        .contains("fence guard: fencing the PBX: no fresh beat from the agent (epoch 1)");
  }

  /** The ExecStart of a packaged systemd unit, split into words. */
  static List<String> unit(String name) throws IOException {
    String exec =
        Files.readAllLines(ROOT.resolve("packaging/systemd").resolve(name)).stream()
            .filter(l -> l.startsWith("ExecStart="))
            .findFirst()
            .orElseThrow()
            .substring("ExecStart=".length());
    return List.of(exec.trim().split("\\s+"));
  }

  /**
   * Runs a unit's command line as systemd would, with this machine's paths: the launcher becomes
   * this JVM's java with the test class path, the config, site and data directory the test's.
   */
  Path start(List<String> exec, String site, Path config) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(List.of("-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.tandem.app.TandemMain"));
    Path data = dir.resolve(site);
    for (String w : exec.subList(1, exec.size())) {
      cmd.add(
          switch (w) {
            case "/etc/tandem/cluster.yaml" -> config.toString();
            case "${TANDEM_SITE}" -> site;
            case "/var/lib/tandem" -> data.toString();
            default -> w;
          });
    }
    Files.createDirectories(data);
    Path log = dir.resolve(site + "-" + exec.get(1) + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("AMI_SECRET", "ami-pw");
    pb.environment().put("TSIG_SECRET", tsigSecret);
    pb.environment().put("WITNESS_SECRET", WITNESS_SECRETS.get(site));
    pb.environment().put("TANDEM_PEER_SECRET", "peer-secret-0123456789abcdefghijklmnop");
    pb.environment().put("TANDEM_SITE", site);
    pb.environment().put("TANDEM_API_TOKEN", "guard-test-token-0123456789abcdef");
    processes.add(pb.start());
    return log;
  }

  static void signal(String sig, Process p) throws Exception {
    int code = new ProcessBuilder("kill", "-" + sig, String.valueOf(p.pid())).start().waitFor();
    assertThat(code).as("kill -%s %d", sig, p.pid()).isZero();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
