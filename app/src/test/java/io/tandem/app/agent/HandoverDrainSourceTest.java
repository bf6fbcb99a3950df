package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.agent.effects.Activation;
import io.tandem.core.agent.effects.ActivationCause;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.error.TransientException;
import io.tandem.core.runbook.Runbook;
import io.tandem.core.runbook.Step;
import io.tandem.core.runbook.StepContext;
import io.tandem.core.witness.FencingToken;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which PBX the successor's drain asks in a planned handover, in the agent {@code tandem agent}
 * assembles: the old site's PBX directly only where its {@code pbx.host} reaches that PBX from
 * here. In the normal deployment every PBX sits beside its agent and the cluster file says {@code
 * host: 127.0.0.1} for each; a loopback address of another site then means that site's own machine,
 * which is this machine only when that site's management address is loopback too (both agents on
 * one host, as in {@code docs/examples/loopback.yaml}). Otherwise the drain must watch the old site
 * through its agent's reports: asking 127.0.0.1 would read this site's own PBX (bench-failover's
 * run reports said "drain:a: ALREADY_DONE — … (asked directly)" with a's PBX dead), and a
 * switchover would then cut the old site's calls.
 */
class HandoverDrainSourceTest {

  static final FencingToken BETA_2 = new FencingToken("pbx-loopback", "beta", 2);

  @TempDir Path dir;
  PbxModel betasPbx;
  AmiServer betasAmi;

  @BeforeEach
  void startBetasOwnPbx() {
    // the PBX beside beta's agent: up, no calls, taking new ones
    betasPbx = new PbxModel("20.7.0");
    betasAmi = new AmiServer(betasPbx, new PbxFaults(), "tandem", "ami-secret-value");
  }

  @AfterEach
  void stop() {
    betasAmi.close();
  }

  @Test
  void theDrainOfASiteOnAnotherMachineDoesNotAskThisMachinesLoopbackPbx() throws Exception {
    // alpha's agent is reached at a non-loopback address: alpha is another machine, and its
    // "127.0.0.1:<port>" is its own PBX, not the one listening here
    try (AgentAssembly beta = assemble(config("192.0.2.1:7481"))) {
      Step drain = drainStep(beta);
      assertThatThrownBy(() -> drain.observe(context()))
          .isInstanceOf(TransientException.class)
          .hasMessageContaining("PBX of alpha")
          .hasMessageContaining("has not reported its calls");
      assertThat(betasAmi.logins()).as("logins at beta's own PBX while draining alpha").isZero();
    }
  }

  @Test
  void theDrainOfASiteOnThisMachineAsksItsPbxDirectly() throws Exception {
    // both agents on one host (loopback management addresses): 127.0.0.1 is alpha's PBX too
    try (AgentAssembly beta = assemble(config("127.0.0.1:7481"))) {
      var seen = drainStep(beta).observe(context());
      assertThat(seen.before()).isEqualTo("accepting new calls, 0 active");
      assertThat(betasAmi.logins()).isPositive();
    }
  }

  /**
   * docs/examples/loopback.yaml with both PBXs at the port the simulated Asterisk listens on (each
   * PBX beside its agent at the same address and port, as deployed), and alpha's management address
   * as given.
   */
  ClusterConfig config(String alphaManagement) throws Exception {
    String text =
        Files.readString(AgentAssemblyTest.EXAMPLE)
            .replace("managementAddress: 127.0.0.1:7481", "managementAddress: " + alphaManagement)
            .replace("host: 127.0.0.1, port: 5038", "host: 127.0.0.1, port: " + betasAmi.port())
            .replace("host: 127.0.0.1, port: 5039", "host: 127.0.0.1, port: " + betasAmi.port());
    Path file = dir.resolve("cluster.yaml");
    Files.writeString(file, text);
    var r =
        new ConfigValidation()
            .validate(file, Optional.of(SecretResolver.of(AgentAssemblyTest.ENV)));
    assertThat(r.problems()).isEmpty();
    return r.config().orElseThrow();
  }

  AgentAssembly assemble(ClusterConfig config) {
    SecretResolver secrets = SecretResolver.of(AgentAssemblyTest.ENV);
    return AgentAssembly.assemble(
        config,
        "beta",
        new AgentAssembly.Options(
            dir.resolve("beta"),
            secrets,
            "peer-secret-0123456789abcdefghijklmnop".getBytes(StandardCharsets.UTF_8),
            "http",
            HttpClient.newHttpClient(),
            Clock.systemUTC(),
            System::nanoTime));
  }

  /** The drain step of the runbook beta runs when alpha hands over to it (a planned handover). */
  static Step drainStep(AgentAssembly beta) {
    Runbook r =
        beta.plans()
            .plan(
                new Activation(
                    BETA_2, new ActivationCause.PlannedHandover("alpha", 1), "test", Instant.now()))
            .runbook();
    return r.stages().stream()
        .flatMap(s -> s.steps().stream())
        .filter(s -> s.spec().id().equals("drain:alpha"))
        .findFirst()
        .orElseThrow();
  }

  static StepContext context() {
    return new StepContext("run-1", io.tandem.core.runbook.RunKind.SWITCHOVER, false, BETA_2);
  }
}
