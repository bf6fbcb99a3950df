package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.api.DecisionView;
import io.tandem.core.runbook.report.ReportText;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.sim.peer.Bind9Peer;
import io.tandem.testkit.Bind9;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18.2, through two agents as {@code tandem agent} builds them: both started together, the
 * lower-priority {@code beta} finishing its start-up about 3 s before {@code alpha}. Beta must not
 * take the service while alpha, healthy and reachable, is still in its start-up hold; alpha's first
 * activation is an ACTIVATION (cause FirstActivation), not a FAILOVER, and pages nobody.
 */
@Bind9
class TwoAgentColdStartTest {

  private static final Pattern HOLD_LEFT = Pattern.compile("not acquiring for another ([0-9.]+) s");

  @TempDir Path dir;
  LoopbackCluster cluster;
  Map<String, String> tsig;

  @BeforeEach
  void setUp(Bind9Peer bind) throws Exception {
    cluster = new LoopbackCluster(dir, "pbx-cold", List.of("alpha", "beta"));
    cluster.writeConfig(
        """
        cluster: pbx-cold
        sites:
          - name: alpha
            kind: onprem
            priority: 1
            managementAddress: {mgmt:alpha}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:alpha}, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
          - name: beta
            kind: onprem
            priority: 2
            managementAddress: {mgmt:beta}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:beta}, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
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
          endpoints: [ "{witness}" ]
          siteSecrets: { alpha: "${env:WITNESS_SECRET}", beta: "${env:WITNESS_SECRET}" }
        notifications:
          webhook: { url: "{hook}", secret: "${env:HOOK_SECRET}" }
        timings: { tick: 500ms, ticketTtl: 6s, retryTimeout: 1s, witnessGrace: 1s, driftMargin: 200ms }
        """
            .formatted(bind.zone(), bind.port(), bind.tsigKeyName(), bind.tsigAlgorithm()));
    tsig = Map.of("TSIG_SECRET", bind.tsigSecret());
  }

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  /** Seconds of start-up hold the site's latest decision says are left, or +inf. */
  private static double holdLeft(AgentAssembly agent) {
    List<DecisionView> d = agent.runtime().decisions(1);
    if (d.isEmpty()) {
      return Double.POSITIVE_INFINITY;
    }
    Matcher m = HOLD_LEFT.matcher(d.getFirst().words());
    return m.find() ? Double.parseDouble(m.group(1)) : Double.POSITIVE_INFINITY;
  }

  @Test
  void theBackupReadyFirstLetsThePreferredSiteTakeTheFirstActivationAndNobodyIsPaged() {
    // both processes up (assembled, serving their API and peer link), then the agents' loops:
    // alpha's when beta has about 3 s of its start-up hold left, so beta is ready 3 s earlier
    AgentAssembly beta = cluster.serve("beta", tsig, o -> o);
    AgentAssembly alpha = cluster.serve("alpha", tsig, o -> o);
    // every decision beta makes, from its event bus (the API's history collapses repeats)
    List<io.tandem.core.event.TandemEvent.DecisionMade> betaDecided =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    beta.events().onDecision(betaDecided::add);
    // the agents' log lines of their verdicts (DecisionLog, subscribed by the assembly)
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    ch.qos.logback.classic.Logger decisionLog =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(DecisionLog.class);
    logged.start();
    decisionLog.addAppender(logged);
    beta.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> holdLeft(beta) <= 3.0);
    alpha.start();

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> "alpha".equals(alpha.runtime().status().activeSite()));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> alpha.runtime().runs().stream().anyMatch(r -> r.endedAt() != null));
    RunReport r = FenceOnlyWhatServedTest.finishedRun(alpha);
    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    assertThat(r.kind()).isEqualTo("ACTIVATION");

    assertThat(betaDecided)
        .as("beta's decisions")
        .noneMatch(
            d ->
                d.decision().reason() == io.tandem.core.agent.ReasonCode.ACQUIRING
                    || d.decision().to() == io.tandem.core.agent.AgentState.ACTIVE)
        .anySatisfy(
            d -> {
              assertThat(d.decision().reason())
                  .isEqualTo(io.tandem.core.agent.ReasonCode.DEFER_TO_PREFERRED);
              assertThat(d.decision().words())
                  .startsWith("no action: alpha is preferred and still starting");
            });
    assertThat(beta.runtime().runs()).isEmpty();
    // the log has each change of verdict once, not every tick: alpha's way to ACTIVE, beta's wait
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(logged.list)
                    .extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .anySatisfy(
                        l -> assertThat(l).startsWith("agent alpha: decision").contains("->ACTIVE"))
                    .anySatisfy(
                        l ->
                            assertThat(l)
                                .startsWith("agent beta: decision")
                                .contains("DEFER_TO_PREFERRED")));
    decisionLog.detachAppender(logged);
    assertThat(logged.list.stream().filter(e -> e.getFormattedMessage().startsWith("agent beta")))
        .as("beta's verdict lines against its %d decisions", betaDecided.size())
        .hasSizeLessThan(betaDecided.size() / 4);
    // nobody paged: no critical notification from either site
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> cluster.notifications.stream().anyMatch(n -> n.contains("alpha")));
    assertThat(cluster.notifications).noneSatisfy(n -> assertThat(n).contains("critical"));
  }
}
