package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.api.SiteView;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.sim.peer.Bind9Peer;
import io.tandem.testkit.Bind9;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issues 18.4 and 18.5 with agents as {@code tandem agent} runs them: operators' hook programs run
 * on state changes, around each runbook stage (their output in the run report), on sensors going to
 * FAIL and on the health's warning level, with the facts in {@code TANDEM_*} variables; a hook past
 * its timeout is killed with its process group; a switchover hook vetoes a planned switchover but
 * never a failover. Below the warning level a site is WARN — notified, shown, not failed over.
 */
@Bind9
class OperatorHooksTest {

  static final java.util.concurrent.atomic.AtomicInteger RECORDS =
      new java.util.concurrent.atomic.AtomicInteger();

  @TempDir Path dir;
  LoopbackCluster cluster;
  Bind9Peer bind;

  @BeforeEach
  void setUp(Bind9Peer peer) {
    bind = peer;
  }

  Map<String, String> secrets() {
    return Map.of("TSIG_SECRET", bind.tsigSecret());
  }

  String config() {
    String checks =
        IntStream.range(0, 10)
            .mapToObj(
                i ->
                    "      - { name: check-%d, kind: command, interval: 1s, timeout: 900ms, fall: 1, rise: 1, params: { command: \"test ! -e %s/SITE-break-%d\" } }"
                        .formatted(i, dir, i))
            .collect(Collectors.joining("\n"));
    return """
        cluster: hooked
        sites:
          - name: alpha
            kind: onprem
            priority: 1
            managementAddress: {mgmt:alpha}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:alpha}, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
        %1$s
          - name: beta
            kind: onprem
            priority: 2
            managementAddress: {mgmt:beta}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:beta}, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
        dns:
          - provider: rfc2136
            zone: %5$s
            name: %6$s
            type: A
            ttl: 5
            values: { alpha: 127.0.0.11, beta: 127.0.0.12 }
            rfc2136:
              server: 127.0.0.1
              port: %7$d
              tsigKeyName: %8$s
              tsigAlgorithm: %9$s
              tsigSecret: "${env:TSIG_SECRET}"
        witness:
          kind: builtin
          endpoints: [ "{witness}" ]
          siteSecrets: { alpha: "${env:WITNESS_SECRET}", beta: "${env:WITNESS_SECRET}" }
        notifications:
          webhook: { url: "{hook}", secret: "${env:HOOK_SECRET}" }
        policies: { minimumHealthPercent: 75, warningHealthPercent: 90 }
        hooks:
          - name: record
            on: [active, standby, fenced, stage-before, stage-after, sensor-fail, health-warn]
            command: 'echo "$TANDEM_EVENT site=$TANDEM_SITE state=$TANDEM_STATE epoch=$TANDEM_EPOCH stage=$TANDEM_STAGE sensor=$TANDEM_SENSOR level=$TANDEM_HEALTH_LEVEL" >> %2$s/hooks-$TANDEM_SITE.log; echo out-$TANDEM_EVENT'
          - name: guard
            on: [switchover]
            command: 'if [ -e %3$s/veto ]; then echo "change freeze until Monday"; exit 3; fi'
          - name: slow
            on: [active]
            command: 'sleep 120 & echo $! > %4$s/slow-child.pid; sleep 120'
            timeout: 1s
        timings: { tick: 500ms, ticketTtl: 6s, retryTimeout: 1s, witnessGrace: 1s, driftMargin: 200ms }
        """
        .formatted(
            checks.replace("SITE", "alpha"),
            dir,
            dir,
            dir,
            bind.zone(),
            "hooks" + RECORDS.incrementAndGet() + "." + bind.zone(),
            bind.port(),
            bind.tsigKeyName(),
            bind.tsigAlgorithm());
  }

  @AfterEach
  void tearDown() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    // a hook started by the agents' last events may still be appending to its log in the temporary
    // directory; JUnit cannot delete a directory a process is still writing into (seen in CI under
    // load: "Failed to delete temp directory")
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(
            () ->
                ProcessHandle.current()
                    .descendants()
                    .filter(ProcessHandle::isAlive)
                    .noneMatch(p -> p.info().commandLine().orElse("").contains(dir.toString())));
  }

  String log(String site) throws Exception {
    Path p = dir.resolve("hooks-" + site + ".log");
    return Files.exists(p) ? Files.readString(p) : "";
  }

  SiteView site(String on, String name) {
    return cluster.agent(on).runtime().status().sites().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void hooksRunOnEventsWithTheirFactsAndOnlyAPlannedSwitchoverCanBeVetoed() throws Exception {
    cluster = new LoopbackCluster(dir, "hooked", List.of("alpha", "beta"));
    cluster.writeConfig(config());
    AgentAssembly alpha = cluster.start("alpha", secrets());
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> "alpha".equals(alpha.runtime().status().activeSite()));

    // entering ACTIVE, with the epoch; around every stage of the activation runbook
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(log("alpha"))
                    .containsPattern("(?m)^active site=alpha state=ACTIVE epoch=[1-9]\\d* ")
                    .containsPattern("(?m)^stage-before site=alpha .*stage=\\S+")
                    .containsPattern("(?m)^stage-after site=alpha "));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> alpha.runtime().runs().stream().anyMatch(r -> r.endedAt() != null));
    var run = alpha.runtime().runs().stream().filter(r -> r.endedAt() != null).findFirst();
    RunReport report = (RunReport) alpha.runtime().report(run.get().id(), true).orElseThrow();
    assertThat(report.notes())
        .anySatisfy(
            n -> {
              assertThat(n.label()).startsWith("hook before ");
              assertThat(n.words()).startsWith("record: exit 0 in ").endsWith(": out-stage-before");
            });

    // a hook past its timeout is killed with its whole process group (the background sleep too)
    Path pidFile = dir.resolve("slow-child.pid");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Files.exists(pidFile) && Files.size(pidFile) > 0);
    long child = Long.parseLong(Files.readString(pidFile).strip());
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> ProcessHandle.of(child).map(p -> !p.isAlive()).orElse(true));

    // 18.5: two of ten weighted checks fail: score 80 %, below the warning level (90), above the
    // failing level (75): WARN, notified, hooks run, nothing fails over
    Files.writeString(dir.resolve("alpha-break-0"), "");
    Files.writeString(dir.resolve("alpha-break-1"), "");
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              SiteView v = site("alpha", "alpha");
              assertThat(v.healthLevel()).isEqualTo("WARN");
              assertThat(v.healthy()).isTrue();
              assertThat(v.healthSummary()).contains("score 80% < warning level 90%");
            });
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(cluster.notifications)
                  .anySatisfy(n -> assertThat(n).contains("Site alpha degraded"));
              assertThat(log("alpha"))
                  .containsPattern("(?m)^sensor-fail site=alpha .*sensor=check-0 ")
                  .containsPattern("(?m)^health-warn site=alpha .*level=WARN");
            });
    assertThat(alpha.runtime().status().activeSite()).isEqualTo("alpha");
    assertThat(alpha.runtime().status().warningHealthPercent()).isEqualTo(90);

    // a planned switchover: the guard hook's non-zero exit refuses it, in its own words
    cluster.start("beta", secrets());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> site("alpha", "beta").state().equals("STANDBY"));
    // its peer shows alpha's warning level too, from alpha's reports over the peer link
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              SiteView seen = site("beta", "alpha");
              assertThat(seen.healthLevel()).isEqualTo("WARN");
              assertThat(seen.healthy()).isTrue();
              assertThat(seen.healthSummary()).startsWith("degraded (as reported ");
            });
    Files.writeString(dir.resolve("veto"), "");
    var vetoed = alpha.runtime().switchover("beta");
    assertThat(vetoed.accepted()).isFalse();
    assertThat(vetoed.message())
        .contains("vetoed by hook guard: exit 3", "change freeze until Monday");
    assertThat(alpha.runtime().status().activeSite()).isEqualTo("alpha");

    // ... but never a failover: alpha dies with the veto in place, beta takes over
    cluster.kill("alpha");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> "beta".equals(cluster.agent("beta").runtime().status().activeSite()));
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> assertThat(log("beta")).containsPattern("(?m)^active site=beta state=ACTIVE "));
  }
}
