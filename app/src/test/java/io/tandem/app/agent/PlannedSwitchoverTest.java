package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.api.RunView;
import io.tandem.core.runbook.report.ReportText;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.peer.Bind9Peer;
import io.tandem.testkit.Bind9;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12.2: a planned switchover is a switchover in production. With a live call on the active
 * site's PBX (the AMI simulator), an operator's switchover makes the old PBX refuse new calls, the
 * successor waits for the call to end before it moves anything (DNS on a real BIND, watched from
 * outside), and the run is recorded as a SWITCHOVER that pages nobody.
 */
@Bind9
class PlannedSwitchoverTest {

  static final java.util.concurrent.atomic.AtomicInteger RECORDS =
      new java.util.concurrent.atomic.AtomicInteger();

  @TempDir Path dir;
  LoopbackCluster cluster;
  Bind9Peer bind;
  String record;

  @BeforeEach
  void setUp(Bind9Peer peer) throws Exception {
    bind = peer;
    // a record of its own per test: the zone outlives the test, and its epoch record with it
    record = "sip" + RECORDS.incrementAndGet() + "." + peer.zone();
    cluster = new LoopbackCluster(dir, "pbx-switch", List.of("alpha", "beta"));
    cluster.writeConfig(config("AMI_SECRET", "AMI_SECRET", ""));
  }

  /** The cluster file: each site's PBX secret variable, and extra sensors for alpha. */
  String config(String alphaSecret, String betaSecret, String alphaSensors) {
    return """
        cluster: pbx-switch
        sites:
          - name: alpha
            kind: onprem
            priority: 1
            managementAddress: {mgmt:alpha}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:alpha}, user: tandem, secret: "${env:%5$s}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
        %7$s
          - name: beta
            kind: onprem
            priority: 2
            managementAddress: {mgmt:beta}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:beta}, user: tandem, secret: "${env:%6$s}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
        dns:
          - provider: rfc2136
            zone: %1$s
            name: %8$s
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
          endpoints: [ "{witness}" ]
          siteSecrets: { alpha: "${env:WITNESS_SECRET}", beta: "${env:WITNESS_SECRET}" }
        notifications:
          webhook: { url: "{hook}", secret: "${env:HOOK_SECRET}" }
        timings: { tick: 500ms, ticketTtl: 6s, retryTimeout: 1s, witnessGrace: 1s, driftMargin: 200ms }
        """
        .formatted(
            bind.zone(),
            bind.port(),
            bind.tsigKeyName(),
            bind.tsigAlgorithm(),
            alphaSecret,
            betaSecret,
            alphaSensors,
            record);
  }

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  Map<String, String> secrets() {
    return Map.of("TSIG_SECRET", bind.tsigSecret());
  }

  String dns() throws Exception {
    return TwoAgentFailoverTest.lookup(bind, record);
  }

  @Test
  void theSuccessorMovesNothingUntilTheLiveCallEndedAndRecordsASwitchover() throws Exception {
    AgentAssembly alpha = cluster.start("alpha", secrets());
    await().atMost(Duration.ofSeconds(60)).until(() -> dns().equals("127.0.0.11"));
    AgentAssembly beta = cluster.start("beta", secrets());
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> beta.driver().peerReports().containsKey("alpha"));
    // the plan checks beta's readiness as alpha sees it: beta must be standing by
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                alpha.runtime().status().sites().stream()
                    .anyMatch(s -> s.name().equals("beta") && s.state().equals("STANDBY")));

    // tandem plan --to beta --switchover: exactly the runbook beta will run, changing nothing
    var plan =
        cluster.tandem(
            "plan",
            "--to",
            "beta",
            "--switchover",
            "--url",
            cluster.url("alpha"),
            "--token-file",
            cluster.tokenFile(LoopbackCluster.VIEWER_TOKEN).toString());
    assertThat(plan.code()).as(plan.out()).isZero();
    assertThat(plan.out())
        .contains(
            "Plan: switchover pbx-switch: alpha → beta",
            "Stage 1/4: drain [DRAIN]",
            "Drain calls on site alpha",
            "Stage 2/4: switch [SWITCH]",
            "127.0.0.11 ttl 5 → 127.0.0.12 ttl 5",
            "Let the PBX of site beta accept calls")
        .doesNotContain("fence");
    assertThat(dns()).isEqualTo("127.0.0.11");

    var oldPbx = cluster.pbx.get("alpha");
    // a call in progress on the active site: two bridged legs, one call
    oldPbx.addCall("PJSIP/carrier-00000001", "PJSIP/100-00000002");
    var switchover =
        cluster.tandem(
            "switchover",
            "--to",
            "beta",
            "--url",
            cluster.url("alpha"),
            "--token-file",
            cluster.tokenFile(LoopbackCluster.OPERATOR_TOKEN).toString());
    assertThat(switchover.code()).as(switchover.out()).isZero();
    assertThat(switchover.out()).contains("switchover to beta requested");

    // the successor takes the ticket and starts its run, but the call is still up: DNS stays
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> beta.runtime().runs().stream().anyMatch(r -> r.state().equals("RUNNING")));
    await()
        .during(Duration.ofSeconds(4))
        .atMost(Duration.ofSeconds(6))
        .until(() -> dns().equals("127.0.0.11"));
    assertThat(oldPbx.global(AmiServer.ACCEPT_VARIABLE))
        .as("the old PBX takes no new calls while its last call drains")
        .isEqualTo("0");

    Instant callEnded = Instant.now();
    oldPbx.hangupAll();
    await().atMost(Duration.ofSeconds(30)).until(() -> dns().equals("127.0.0.12"));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> beta.runtime().runs().stream().anyMatch(r -> r.endedAt() != null));
    RunView v =
        beta.runtime().runs().stream().filter(r -> r.endedAt() != null).findFirst().orElseThrow();
    RunReport r = (RunReport) beta.runtime().report(v.id(), true).orElseThrow();
    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    assertThat(r.kind()).isEqualTo("SWITCHOVER");
    assertThat(r.notes())
        .contains(
            new RunReport.Note(
                "fence",
                "not fenced: alpha handed over, drains its calls and cooperates (planned"
                    + " switchover)"));
    RunReport.StepReport drain = step(r, "drain:alpha");
    RunReport.StepReport dnsStep = step(r, "dns:" + record + "/A");
    assertThat(drain.status()).isEqualTo("VERIFIED");
    assertThat(drain.endedAt()).isAfterOrEqualTo(callEnded.minusMillis(50));
    assertThat(dnsStep.startedAt()).isAfterOrEqualTo(drain.endedAt());
    assertThat(r.changes())
        .anySatisfy(c -> assertThat(c.after()).isEqualTo("sent (INFO)"))
        .noneSatisfy(c -> assertThat(c.after()).contains("ALARM"));
    // the runs page nobody (the old site's state-change notices are the agent core's)
    assertThat(cluster.notifications)
        .filteredOn(n -> n.contains("\"event\":\"run-result\""))
        .hasSize(2)
        .noneSatisfy(n -> assertThat(n).contains("critical"));
  }

  /**
   * The successor cannot log in to the old PBX (its secret resolves only on the old site's host):
   * it watches the drain through the old agent's peer reports, which carry the calls its {@code
   * active-calls} sensor counts.
   */
  @Test
  void withoutDirectAccessToTheOldPbxTheDrainIsWatchedThroughTheOldAgentsReports()
      throws Exception {
    cluster.writeConfig(
        config(
            "AMI_SECRET_ALPHA",
            "AMI_SECRET_BETA",
            "      - { name: calls, kind: active-calls, interval: 500ms, timeout: 400ms }"));
    Map<String, String> alphaEnv = new java.util.HashMap<>(secrets());
    alphaEnv.put("AMI_SECRET_ALPHA", LoopbackCluster.AMI_PASSWORD);
    Map<String, String> betaEnv = new java.util.HashMap<>(secrets());
    betaEnv.put("AMI_SECRET_BETA", LoopbackCluster.AMI_PASSWORD);
    AgentAssembly alpha = cluster.start("alpha", alphaEnv);
    await().atMost(Duration.ofSeconds(60)).until(() -> dns().equals("127.0.0.11"));
    AgentAssembly beta = cluster.start("beta", betaEnv);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> beta.driver().peerReports().containsKey("alpha"));

    var oldPbx = cluster.pbx.get("alpha");
    oldPbx.addCall("PJSIP/carrier-00000001", "PJSIP/100-00000002");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> beta.driver().peerReports().get("alpha").activeCalls() == 1);
    assertThat(alpha.runtime().switchover("beta").accepted()).isTrue();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> beta.runtime().runs().stream().anyMatch(r -> r.state().equals("RUNNING")));
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> dns().equals("127.0.0.11"));
    Instant callEnded = Instant.now();
    oldPbx.hangupAll();
    await().atMost(Duration.ofSeconds(30)).until(() -> dns().equals("127.0.0.12"));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> beta.runtime().runs().stream().anyMatch(r -> r.endedAt() != null));
    RunView v =
        beta.runtime().runs().stream().filter(r -> r.endedAt() != null).findFirst().orElseThrow();
    RunReport r = (RunReport) beta.runtime().report(v.id(), true).orElseThrow();
    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    RunReport.StepReport drain = step(r, "drain:alpha");
    assertThat(drain.status()).isEqualTo("VERIFIED");
    assertThat(drain.endedAt()).isAfterOrEqualTo(callEnded.minusMillis(50));
    assertThat(drain.before()).contains("1 active");
    assertThat(drain.detail()).contains("as reported by the agent of alpha");
  }

  static RunReport.StepReport step(RunReport r, String id) {
    return r.steps().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
  }
}
