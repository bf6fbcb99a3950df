package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.api.ClusterStatus;
import io.tandem.app.api.SiteView;
import io.tandem.sim.peer.Bind9Peer;
import io.tandem.testkit.Bind9;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18.1: status tells the truth about peers. Two agents as {@code tandem agent} runs them; the
 * active one is killed. From the moment its last report is older than {@code
 * timings.peerReportTimeout}, the survivor shows it UNREACHABLE ("last seen ACTIVE n s ago") in the
 * API, the CLI and the Prometheus metrics, and never shows two sites serving.
 */
@Bind9
class PeerStatusTruthTest {

  @TempDir Path dir;
  LoopbackCluster cluster;
  Bind9Peer bind;

  @BeforeEach
  void setUp(Bind9Peer peer) {
    bind = peer;
  }

  static final String CONFIG =
      """
      cluster: truth
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
          name: truth%6$d.%1$s
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
      timings: { tick: 500ms, ticketTtl: 6s, retryTimeout: 1s, witnessGrace: 1s, driftMargin: 200ms, peerReportTimeout: 1500ms }
      """;

  @AfterEach
  void tearDown() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aDeadPeerIsUnreachableEverywhereAndOnlyTheTicketHolderServes() throws Exception {
    cluster = new LoopbackCluster(dir, "truth", List.of("alpha", "beta"));
    cluster.writeConfig(
        CONFIG.formatted(
            bind.zone(),
            bind.port(),
            bind.tsigKeyName(),
            bind.tsigAlgorithm(),
            "",
            System.nanoTime() % 1_000_000));
    Map<String, String> tsig = Map.of("TSIG_SECRET", bind.tsigSecret());
    cluster.start("alpha", tsig);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> "alpha".equals(cluster.agent("alpha").runtime().status().activeSite()));
    cluster.start("beta", tsig);
    AgentRuntime beta = cluster.agent("beta").runtime();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> site(beta.status(), "alpha").state().equals("ACTIVE"));
    assertThat(beta.status().activeSite()).isEqualTo("alpha");

    // issue 18.8: "no action" tick after tick is one entry with its count, not a flood
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> cluster.agent("alpha").runtime().decisions(5).getFirst().repeats() >= 4);
    var decisions = cluster.agent("alpha").runtime().decisions(50);
    for (int i = 1; i < decisions.size(); i++) {
      assertThat(decisions.get(i).sameAs(decisions.get(i - 1)))
          .as("adjacent repeats are collapsed: %s", decisions)
          .isFalse();
    }
    assertThat(get(cluster.url("alpha") + "/api/v1/decisions?limit=3"))
        .containsPattern("\"repeats\":([4-9]|\\d\\d)");

    cluster.kill("alpha");
    // every status beta gives from now on: a site shown ACTIVE is one beta hears; never two serving
    List<String> lies = new CopyOnWriteArrayList<>();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              ClusterStatus s = beta.status();
              SiteView alpha = site(s, "alpha");
              if (alpha.state().equals("ACTIVE") && !alpha.reachable()) {
                lies.add("alpha shown ACTIVE though unreachable: " + alpha.healthSummary());
              }
              if ("alpha".equals(s.activeSite()) && !alpha.reachable()) {
                lies.add("alpha shown serving though unreachable");
              }
              return "beta".equals(s.activeSite());
            });
    assertThat(lies).isEmpty();

    SiteView alpha = site(beta.status(), "alpha");
    assertThat(alpha.state()).isEqualTo("UNREACHABLE");
    assertThat(alpha.healthy()).isFalse();
    assertThat(alpha.healthSummary()).matches("last seen ACTIVE \\d+ s ago");

    // the CLI, as documented: tandem status --url ... --token-file ...
    var token = cluster.tokenFile(LoopbackCluster.VIEWER_TOKEN);
    var cli =
        cluster.tandem("status", "--url", cluster.url("beta"), "--token-file", token.toString());
    assertThat(cli.code()).as(cli.out()).isZero();
    assertThat(cli.out())
        .containsPattern("active  beta")
        .containsPattern("alpha\\s+onprem\\s+UNREACHABLE\\s+last seen ACTIVE \\d+ s ago");

    // the API's JSON
    String json = get(cluster.url("beta") + "/api/v1/status");
    assertThat(json).contains("\"lastSeenState\":\"ACTIVE\"").contains("\"state\":\"UNREACHABLE\"");

    // Prometheus: alpha is not ACTIVE any more, it is UNREACHABLE; beta is ACTIVE
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              String metrics = get(cluster.url("beta") + "/actuator/prometheus");
              assertThat(metrics)
                  .containsPattern(metric("alpha", "ACTIVE") + " 0\\.0")
                  .containsPattern(metric("alpha", "UNREACHABLE") + " 1\\.0")
                  .containsPattern(metric("beta", "ACTIVE") + " 1\\.0");
            });
  }

  static String metric(String site, String state) {
    // label order as Micrometer writes it (sorted): application, site, state
    return "tandem_site_state\\{[^}]*site=\"" + site + "\",state=\"" + state + "\"\\}";
  }

  static SiteView site(ClusterStatus s, String name) {
    return s.sites().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
  }

  static String get(String url) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Authorization", "Bearer " + LoopbackCluster.VIEWER_TOKEN)
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      return r.body();
    }
  }
}
