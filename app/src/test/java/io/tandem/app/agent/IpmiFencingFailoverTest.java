package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.api.RunView;
import io.tandem.core.runbook.report.ReportText;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.sim.peer.RealPeers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18.6 through the product: two on-premises sites as {@code tandem agent} runs them, the
 * backup fencing the primary by its BMC ({@code fencing: kind ipmi-power-off}, the password from
 * the environment) — a real IPMI BMC ({@code ipmi_sim}) driven by Debian's {@code fence_ipmilan}.
 * The primary's agent dies while its machine stays powered; the backup's failover runbook powers it
 * off, and the BMC's chassis reads back OFF.
 */
class IpmiFencingFailoverTest {

  private static final String BMC_USER = "tandem";
  private static final String BMC_PASSWORD = "Bmc-pw-5t7u";

  @TempDir Path dir;
  LoopbackCluster cluster;
  RealPeers.RunningIpmiBmc bmc;
  RealPeers.RunningBind9 dns;

  @BeforeEach
  void setUp() throws Exception {
    bmc = RealPeers.startIpmiSim(BMC_USER, BMC_PASSWORD);
    dns = RealPeers.startBind9(); // a failover must move something: the service record
    cluster = new LoopbackCluster(dir, "pbx-rooms", List.of("room-a", "room-b"));
    cluster.writeConfig(
        """
        cluster: pbx-rooms
        sites:
          - name: room-a
            kind: onprem
            priority: 1
            region: vienna-a
            managementAddress: {mgmt:room-a}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:room-a}, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
            fencing:
              kind: ipmi-power-off
              target: "127.0.0.1:%1$d"
              secret: "${env:BMC_PASSWORD}"
              params: { username: %2$s, lanplus: "1", cipher: "3", timeout: 20s }
          - name: room-b
            kind: onprem
            priority: 2
            region: vienna-b
            managementAddress: {mgmt:room-b}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:room-b}, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
        dns:
          - provider: rfc2136
            zone: %3$s
            name: sip.%3$s
            type: A
            ttl: 30
            values: { room-a: 127.0.0.11, room-b: 127.0.0.12 }
            rfc2136:
              server: 127.0.0.1
              port: %4$d
              tsigKeyName: %5$s
              tsigAlgorithm: %6$s
              tsigSecret: "${env:TSIG_SECRET}"
        witness:
          kind: builtin
          endpoints: [ "{witness}" ]
          siteSecrets: { room-a: "${env:WITNESS_SECRET}", room-b: "${env:WITNESS_SECRET}" }
        notifications:
          webhook: { url: "{hook}", secret: "${env:HOOK_SECRET}" }
        timings: { tick: 500ms, ticketTtl: 6s, retryTimeout: 1s, witnessGrace: 1s, driftMargin: 200ms }
        """
            .formatted(
                bmc.port(),
                BMC_USER,
                dns.zone(),
                dns.port(),
                dns.tsigKeyName(),
                dns.tsigAlgorithm()));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (bmc != null) {
      bmc.close();
    }
    if (dns != null) {
      dns.close();
    }
  }

  static RunReport lastFinishedRun(AgentAssembly agent) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> agent.runtime().runs().stream().anyMatch(r -> r.endedAt() != null));
    RunView v =
        agent.runtime().runs().stream().filter(r -> r.endedAt() != null).findFirst().orElseThrow();
    return (RunReport) agent.runtime().report(v.id(), true).orElseThrow();
  }

  @Test
  void theBackupPowersThePrimaryOffThroughItsBmcWhenThePrimaryIsLost() {
    Map<String, String> bmcSecret =
        Map.of("BMC_PASSWORD", BMC_PASSWORD, "TSIG_SECRET", dns.tsigSecret());
    AgentAssembly a = cluster.start("room-a", bmcSecret);
    RunReport first = lastFinishedRun(a);
    assertThat(first.outcome()).as(ReportText.render(first)).isEqualTo("SUCCEEDED");
    assertThat(bmc.poweredOn()).isTrue();

    AgentAssembly b = cluster.start("room-b", bmcSecret);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> b.driver().peerReports().containsKey("room-a"));
    cluster.kill("room-a"); // the agent dies; the machine is still powered and may still serve

    RunReport r = lastFinishedRun(b);
    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    assertThat(r.kind()).isEqualTo("FAILOVER");
    assertThat(r.steps())
        .anySatisfy(
            s -> {
              assertThat(s.id()).isEqualTo("fence:127.0.0.1:" + bmc.port());
              assertThat(s.status()).isEqualTo("VERIFIED");
            });
    assertThat(bmc.poweredOn()).as("the BMC's chassis power").isFalse();
    assertThat(bmc.chassisRequests()).contains("set power 0");
    assertThat(ReportText.render(r)).doesNotContain(BMC_PASSWORD);
  }
}
