package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.api.RunView;
import io.tandem.app.api.WaitingApproval;
import io.tandem.core.agent.AgentState;
import io.tandem.core.runbook.report.ReportText;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.peer.AwsEmulatorPeer;
import io.tandem.testkit.AwsEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
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
 * {@code policies.approvalGates} as documented (docs/configuration.md, docs/operations.md), on the
 * agents {@code tandem agent} assembles, in the shape of {@code docs/examples/onprem-aws-backup
 * .yaml} (moto's EC2 instance is the cloud site's fence target, moto's Route 53 the record):
 *
 * <ul>
 *   <li>{@code before-failover} and {@code before-fencing}: the failover runbook the agent really
 *       picks after an outage waits at each gate in turn (nothing moved, the instance untouched)
 *       until {@code tandem approve <run>};
 *   <li>{@code before-switchover} and {@code before-failback}: an operator's switchover waits
 *       before the hand-over (the active site keeps serving); {@code tandem deny} drops it, an
 *       approval through the API moves the service, and the move back to the preferred site waits
 *       at {@code before-failback} until {@code tandem approve}.
 * </ul>
 */
@AwsEmulator
class ApprovalGatesTest {

  @TempDir Path dir;
  HybridAwsCluster world;
  LoopbackCluster cluster;

  @BeforeEach
  void setUp(AwsEmulatorPeer peer) throws Exception {
    world = HybridAwsCluster.create(peer, dir, "gates");
    cluster = world.cluster();
  }

  @AfterEach
  void tearDown() throws Exception {
    world.close();
  }

  /** Adds a policies block to the fixture's cluster file. */
  void gates(String... gates) throws Exception {
    Path file = dir.resolve("cluster.yaml");
    Files.writeString(
        file,
        Files.readString(file)
            + "policies:\n  approvalGates: [ "
            + String.join(", ", gates)
            + " ]\n");
  }

  String record() {
    return world
        .route53()
        .listResourceRecordSets(r -> r.hostedZoneId(world.zoneId()))
        .resourceRecordSets()
        .stream()
        .filter(s -> s.name().equals("sip." + world.zone()))
        .flatMap(s -> s.resourceRecords().stream())
        .map(v -> v.value())
        .findFirst()
        .orElse("");
  }

  List<WaitingApproval> waiting(AgentAssembly agent) {
    return agent.runtime().status().approvals();
  }

  LoopbackCluster.Cli tandem(String site, String... args) throws Exception {
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--url";
    all[args.length + 1] = cluster.url(site);
    all[args.length + 2] = "--token-file";
    all[args.length + 3] = cluster.tokenFile(LoopbackCluster.OPERATOR_TOKEN).toString();
    return cluster.tandem(all);
  }

  static AgentState state(AgentAssembly agent) {
    return agent.driver().loop().state();
  }

  @Test
  void anOutageFailoverWaitsBeforeItStartsAndBeforeItFencesUntilApproved() throws Exception {
    gates("before-failover", "before-fencing");
    AgentAssembly cloud = cluster.start("cloud", Map.of());
    await().atMost(Duration.ofSeconds(60)).until(() -> record().equals("203.0.113.20"));
    AgentAssembly office = cluster.start("office", Map.of());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> office.driver().peerReports().containsKey("cloud"));
    cluster.kill("cloud"); // the agent dies; its instance is still up and may still serve

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> waiting(office).stream().anyMatch(w -> w.gate().equals("before-failover")));
    WaitingApproval failover = waiting(office).getFirst();
    assertThat(failover.prompt()).isEqualTo("Approve the failover to office?");
    LoopbackCluster.Cli status = tandem("office", "status");
    assertThat(status.out())
        .contains(
            "waiting "
                + failover.runId()
                + " at before-failover: Approve the failover to office?  (tandem approve "
                + failover.runId());
    assertThat(record()).isEqualTo("203.0.113.20");
    assertThat(world.instanceState()).isEqualTo("running");

    LoopbackCluster.Cli approve = tandem("office", "approve", failover.runId());
    assertThat(approve.code()).as(approve.out()).isZero();
    assertThat(approve.out()).contains("approved " + failover.runId() + " at before-failover");

    // the same run now waits right before its fence stage: still nothing fenced or moved
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> waiting(office).stream().anyMatch(w -> w.gate().equals("before-fencing")));
    assertThat(waiting(office).getFirst().runId()).isEqualTo(failover.runId());
    assertThat(world.instanceState()).isEqualTo("running");
    assertThat(record()).isEqualTo("203.0.113.20");

    approve = tandem("office", "approve", failover.runId());
    assertThat(approve.code()).as(approve.out()).isZero();
    RunReport r = FenceOnlyWhatServedTest.finishedRun(office);
    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    assertThat(r.kind()).isEqualTo("FAILOVER");
    assertThat(r.steps())
        .anySatisfy(
            s -> {
              assertThat(s.id()).isEqualTo("fence:" + world.instance());
              assertThat(s.status()).isEqualTo("VERIFIED");
            });
    assertThat(world.instanceState()).isIn("stopping", "stopped");
    await().atMost(Duration.ofSeconds(30)).until(() -> record().equals("198.51.100.20"));
    assertThat(waiting(office)).isEmpty();
    assertThat(tandem("office", "approve", failover.runId()).code())
        .as("nothing waits any more")
        .isEqualTo(1);
  }

  @Test
  void aSwitchoverAndAFailbackWaitBeforeTheHandOverUntilApproved() throws Exception {
    gates("before-switchover", "before-failback");
    AgentAssembly office = cluster.start("office", Map.of());
    await().atMost(Duration.ofSeconds(60)).until(() -> record().equals("198.51.100.20"));
    AgentAssembly cloud = cluster.start("cloud", Map.of());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                office.runtime().status().sites().stream()
                    .anyMatch(s -> s.name().equals("cloud") && s.state().equals("STANDBY")));

    // asked, not done: the active site keeps its ticket and keeps taking calls
    String first = requested(tandem("office", "switchover", "--to", "cloud"), "before-switchover");
    assertThat(waiting(office))
        .containsExactly(
            new WaitingApproval(first, "before-switchover", "Approve the switchover to cloud?"));
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                state(office) == AgentState.ACTIVE
                    && !"0".equals(cluster.pbx.get("office").global(AmiServer.ACCEPT_VARIABLE))
                    && cloud.runtime().runs().isEmpty());

    LoopbackCluster.Cli deny = tandem("office", "deny", first);
    assertThat(deny.code()).as(deny.out()).isZero();
    assertThat(deny.out()).contains("denied " + first + " at before-switchover");
    await().atMost(Duration.ofSeconds(10)).until(() -> waiting(office).isEmpty());
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> state(office) == AgentState.ACTIVE && cloud.runtime().runs().isEmpty());
    LoopbackCluster.Cli late = tandem("office", "approve", first);
    assertThat(late.code()).as(late.out()).isEqualTo(1);
    assertThat(late.out()).contains("waits at no gate");

    // asked again and approved through the API (POST /api/v1/commands/runs/{id}/approve)
    String second = requested(tandem("office", "switchover", "--to", "cloud"), "before-switchover");
    HttpResponse<String> approved =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            cluster.url("office") + "/api/v1/commands/runs/" + second + "/approve"))
                    .header("Authorization", "Bearer " + LoopbackCluster.OPERATOR_TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(approved.statusCode()).as(approved.body()).isEqualTo(202);
    assertThat(approved.body()).contains("approved " + second + " at before-switchover");
    await().atMost(Duration.ofSeconds(60)).until(() -> state(cloud) == AgentState.ACTIVE);
    await().atMost(Duration.ofSeconds(30)).until(() -> record().equals("203.0.113.20"));
    RunReport moved = FenceOnlyWhatServedTest.finishedRun(cloud);
    assertThat(moved.outcome()).as(ReportText.render(moved)).isEqualTo("SUCCEEDED");
    assertThat(moved.kind()).isEqualTo("SWITCHOVER");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                cloud.runtime().status().sites().stream()
                    .anyMatch(s -> s.name().equals("office") && s.state().equals("STANDBY")));

    // back to the preferred site: a failback, its own gate
    String back = requested(tandem("cloud", "switchover", "--to", "office"), "before-failback");
    assertThat(waiting(cloud))
        .containsExactly(
            new WaitingApproval(
                back, "before-failback", "Approve the failback (switchover) to office?"));
    assertThat(state(cloud)).isEqualTo(AgentState.ACTIVE);
    LoopbackCluster.Cli approve = tandem("cloud", "approve", back);
    assertThat(approve.code()).as(approve.out()).isZero();
    await().atMost(Duration.ofSeconds(60)).until(() -> state(office) == AgentState.ACTIVE);
    await().atMost(Duration.ofSeconds(30)).until(() -> record().equals("198.51.100.20"));
    List<RunView> runs = office.runtime().runs();
    assertThat(runs).anySatisfy(v -> assertThat(v.kind()).isEqualTo("SWITCHOVER"));
  }

  /** The request id a gated move answered with, after checking its words. */
  static String requested(LoopbackCluster.Cli cli, String gate) {
    assertThat(cli.code()).as(cli.out()).isZero();
    Matcher m =
        Pattern.compile(
                "waits for approval at gate "
                    + gate
                    + ": tandem approve (\\S+) \\(or tandem deny \\1\\); nothing changes until then")
            .matcher(cli.out());
    assertThat(m.find()).as(cli.out()).isTrue();
    return m.group(1);
  }
}
