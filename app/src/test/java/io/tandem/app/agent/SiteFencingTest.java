package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.agent.effects.FenceRequest;
import io.tandem.core.agent.effects.FenceResult;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.SecretResolver;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fencing is best effort and bounded: the PBX (a simulated Asterisk over real AMI) stops taking new
 * calls, and the fence completes although the trunk's registrar does not answer at all.
 */
class SiteFencingTest {

  @TempDir Path dir;

  static final SecretResolver ENV =
      SecretResolver.of(
          Map.of(
              "AMI_SECRET", "ami-pw",
              "TANDEM_TSIG_SECRET", "c2VjcmV0LXRzaWcta2V5LWZvci10ZXN0cw==",
              "CARRIER_PASSWORD", "carrier-password",
              "TANDEM_WITNESS_SECRET_ALPHA", "alpha-witness-secret-0123",
              "TANDEM_WITNESS_SECRET_BETA", "beta-witness-secret-01234"));

  /** The agent of site alpha as {@code tandem agent} assembles it, its PBX at {@code amiPort}. */
  AgentAssembly alpha(int amiPort) throws Exception {
    return alpha(amiPort, "");
  }

  /**
   * As above, each site carrying a VIP on interface {@code vipInterface} when it is not empty (an
   * interface that does not exist here: a command on it fails and changes nothing on this host).
   */
  AgentAssembly alpha(int amiPort, String vipInterface) throws Exception {
    Path config = dir.resolve("cluster.yaml");
    String yaml =
        Files.readString(
                Path.of("..").toAbsolutePath().normalize().resolve("docs/examples/loopback.yaml"))
            .replace("port: 5038", "port: " + amiPort);
    if (!vipInterface.isEmpty()) {
      for (String[] s : new String[][] {{"5038", "127.0.0.1"}, {"5039", "127.0.0.2"}}) {
        String pbxLine = "port: " + (s[0].equals("5038") ? amiPort : 5039) + ", user: tandem";
        int at = yaml.indexOf("\n", yaml.indexOf(pbxLine));
        yaml =
            yaml.substring(0, at + 1)
                + "    serviceAddresses:\n      - { kind: vip, name: voip, address: 192.0.2.50/24,"
                + " interface: "
                + vipInterface
                + ", host: "
                + s[1]
                + " }\n"
                + yaml.substring(at + 1);
      }
    }
    Files.writeString(config, yaml);
    ClusterConfig c =
        new ConfigValidation().validate(config, Optional.of(ENV)).config().orElseThrow();
    return AgentAssembly.assemble(
        c,
        "alpha",
        new AgentAssembly.Options(
            dir.resolve("alpha"),
            ENV,
            "peer-secret-0123456789abcdefghijklmnop".getBytes(StandardCharsets.UTF_8),
            "http",
            HttpClient.newHttpClient(),
            Clock.systemUTC(),
            System::nanoTime));
  }

  /**
   * Closes the simulated PBX as a crash does and waits until its port refuses: a JDK server socket
   * closed while its acceptor thread waits is released only when that thread leaves, so for a
   * moment connections are still taken and then reset (a process's exit closes it at once).
   */
  static void crash(AmiServer ami) {
    ami.close();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(
            () -> {
              try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", ami.port()), 1000);
                return false;
              } catch (java.net.ConnectException refused) {
                return true;
              } catch (java.io.IOException other) {
                return false;
              }
            });
  }

  static FenceResult fence(AgentAssembly a, FenceRequest.Mode mode) throws Exception {
    return a.siteActions()
        .fence(new FenceRequest("test", mode))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  /**
   * Issue 17.1 (PBX crash, release at once): a PBX whose management port refuses connections is not
   * running and takes no calls, so "PBX refuses new calls" is done and the hand-over fence
   * completes; the holder can release its ticket at once instead of repeating the fence until the
   * ticket runs out (measured from outside before: 4.5–4.9 s per PBX crash, the standby waiting out
   * TTL + grace). Pacemaker's rule for a resource agent's stop: stopping a resource that is not
   * running succeeds (OCF resource agent API, "stop").
   */
  @Test
  void aHandoverFenceOfAPbxThatIsNotRunningIsDone() throws Exception {
    PbxModel model = new PbxModel("20.7.0");
    AmiServer ami = new AmiServer(model, new PbxFaults(), "tandem", "ami-pw");
    try (AgentAssembly a = alpha(ami.port())) {
      assertThat(fence(a, FenceRequest.Mode.HANDOVER).outcome())
          .isEqualTo(FenceResult.Outcome.DONE);
      crash(ami); // the PBX process is gone: its sockets close, its port refuses

      FenceResult r = fence(a, FenceRequest.Mode.HANDOVER);

      assertThat(r.outcome()).isEqualTo(FenceResult.Outcome.DONE);
      assertThat(r.words()).startsWith("handover fence done: PBX refuses new calls");
    } finally {
      ami.close();
    }
  }

  /**
   * A hand-over keeps the site's addresses for the successor's drain; a PBX that is not running has
   * nothing to drain, so its hand-over fence drops them too (the successor then claims the address
   * without a remote removal). Here the VIP's interface does not exist on this host, so the drop is
   * seen being attempted (and failing) only when the PBX is gone.
   */
  @Test
  void aHandoverOfAPbxThatIsNotRunningDropsTheSitesAddressesToo() throws Exception {
    PbxModel model = new PbxModel("20.7.0");
    AmiServer ami = new AmiServer(model, new PbxFaults(), "tandem", "ami-pw");
    String none = "tdm" + Long.toString(ProcessHandle.current().pid(), 36) + "x";
    try (AgentAssembly a = alpha(ami.port(), none)) {
      FenceResult running = fence(a, FenceRequest.Mode.HANDOVER);
      assertThat(running.outcome()).isEqualTo(FenceResult.Outcome.DONE);
      assertThat(running.words()).isEqualTo("handover fence done: PBX refuses new calls");
      crash(ami);

      FenceResult gone = fence(a, FenceRequest.Mode.HANDOVER);

      assertThat(gone.words())
          .contains("VIP 192.0.2.50/24 dropped (the PBX is not running: nothing to drain)")
          .contains(none)
          .contains("done: PBX refuses new calls");
    } finally {
      ami.close();
    }
  }

  /**
   * A VIP the fence could not remove ({@code ip addr del} answered an error other than "not found",
   * here: no such device) is a part not done, so the fence is not confirmed; before, the command's
   * exit code was ignored and the VIP counted as dropped.
   */
  @Test
  void aVipThatCouldNotBeDroppedIsNotCountedAsDropped() throws Exception {
    String none = "tdm" + Long.toString(ProcessHandle.current().pid(), 36) + "y";
    try (AmiServer ami =
            new AmiServer(new PbxModel("20.7.0"), new PbxFaults(), "tandem", "ami-pw");
        AgentAssembly a = alpha(ami.port(), none)) {
      FenceResult r = fence(a, FenceRequest.Mode.FULL);

      assertThat(r.outcome()).isEqualTo(FenceResult.Outcome.UNKNOWN);
      assertThat(r.words())
          .contains(
              "VIP 192.0.2.50/24 dropped: ip addr del 192.0.2.50/24 dev "
                  + none
                  + " failed (exit 1): Cannot find device");
    }
  }

  /**
   * The other side of the rule above: a PBX that accepts the connection but does not answer may
   * still take calls, so the fence stays unknown (and is repeated), never done.
   */
  @Test
  void aFenceOfAPbxThatDoesNotAnswerStaysUnknown() throws Exception {
    PbxModel model = new PbxModel("20.7.0");
    PbxFaults faults = new PbxFaults();
    try (AmiServer ami = new AmiServer(model, faults, "tandem", "ami-pw");
        AgentAssembly a = alpha(ami.port())) {
      assertThat(fence(a, FenceRequest.Mode.HANDOVER).outcome())
          .isEqualTo(FenceResult.Outcome.DONE);
      faults.answerDelay(java.time.Duration.ofSeconds(5));

      FenceResult r = fence(a, FenceRequest.Mode.HANDOVER);

      assertThat(r.outcome()).isEqualTo(FenceResult.Outcome.UNKNOWN);
      assertThat(r.words()).startsWith("handover fence not confirmed: PBX refuses new calls");
    }
  }

  @Test
  void fencingStopsNewCallsAndCompletesWithinItsBudgetWhenAPartHangs() throws Exception {
    PbxModel model = new PbxModel("20.7.0");
    try (AmiServer ami = new AmiServer(model, new PbxFaults(), "tandem", "ami-pw")) {
      assertThat(model.acceptingCalls()).isTrue();

      try (AgentAssembly a = alpha(ami.port())) {
        // budget: fenceLead + witnessGrace (500 ms + 1 s); the registrar at :5070 never answers
        FenceResult r =
            a.siteActions()
                .fence(new FenceRequest("test", FenceRequest.Mode.FULL))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);

        // a part that did not answer within the budget makes the fence unknown, never done
        assertThat(r.outcome()).isEqualTo(FenceResult.Outcome.UNKNOWN);
        assertThat(r.words())
            .isEqualTo(
                "fence not confirmed: trunk carrier contact sip:1000@127.0.0.1:5060 removed: no"
                    + " answer within 1500 ms; done: PBX refuses new calls");
        assertThat(model.acceptingCalls()).isFalse();
        assertThat(model.global(AmiServer.ACCEPT_VARIABLE)).isEqualTo("0");
      }
    }
  }
}
