package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.sim.peer.AwsEmulatorPeer;
import io.tandem.testkit.AwsEmulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.route53.Route53Client;

/**
 * Issue 18.3: plans answer the questions operators ask. The shape of {@code
 * docs/examples/onprem-aws-backup.yaml} (an on-premises {@code office}, an AWS {@code cloud} whose
 * EC2 instance is its fence target) with AWS in the emulator and both agents as {@code tandem
 * agent} runs them. {@code tandem plan --to} works on the standby, refuses an unknown site with
 * exit 2, checks the target's agent, health and machine, and says what would block the move (exit
 * 1): a stopped instance, an agent no longer heard.
 */
@AwsEmulator
class PlanReadinessTest {

  @TempDir Path dir;
  HybridAwsCluster world;
  AwsEmulatorPeer aws;
  Ec2Client ec2;
  Route53Client route53;
  LoopbackCluster cluster;
  String instance;
  String zoneId;
  String zone;

  @BeforeEach
  void setUp(AwsEmulatorPeer peer) throws Exception {
    aws = peer;
    world = HybridAwsCluster.create(peer, dir, "fence");
    ec2 = world.ec2();
    route53 = world.route53();
    instance = world.instance();
    zone = world.zone();
    zoneId = world.zoneId();
    cluster = world.cluster();
  }

  @AfterEach
  void tearDown() throws Exception {
    world.close();
  }

  String instanceState() {
    return world.instanceState();
  }

  LoopbackCluster.Cli plan(String on, String... more) throws Exception {
    String[] args = new String[5 + more.length];
    args[0] = "plan";
    args[1] = "--url";
    args[2] = cluster.url(on);
    args[3] = "--token-file";
    args[4] = cluster.tokenFile(LoopbackCluster.VIEWER_TOKEN).toString();
    System.arraycopy(more, 0, args, 5, more.length);
    return cluster.tandem(args);
  }

  @Test
  void plansCheckTheTargetAndSayWhatWouldBlockTheMove() throws Exception {
    cluster.start("office", Map.of());
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> "office".equals(cluster.agent("office").runtime().status().activeSite()));
    cluster.start("cloud", Map.of());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                cluster.agent("office").runtime().status().sites().stream()
                    .anyMatch(s -> s.name().equals("cloud") && s.state().equals("STANDBY")));

    // on the active agent: the cloud site is ready
    var ready = plan("office", "--to", "cloud");
    assertThat(ready.out())
        .contains("Plan: failover pbx-hybrid: office → cloud", "Readiness of cloud:")
        .containsPattern("ok +agent +cloud's agent is STANDBY")
        .containsPattern("ok +instance +" + instance + " is running")
        .contains("Nothing found that would block the move.");
    assertThat(ready.code()).as(ready.out()).isZero();

    // on the standby (no ticket there): a plan, not "HTTP 400 epoch must be >= 1, was 0"
    var onStandby = plan("cloud", "--to", "cloud", "--switchover");
    assertThat(onStandby.out()).contains("Plan: switchover pbx-hybrid: office → cloud");
    assertThat(onStandby.code()).as(onStandby.out()).isZero();
    // the active site is not a target: nothing to move
    var toActive = plan("cloud", "--to", "office");
    assertThat(toActive.out()).contains("BLOCKED", "office is already ACTIVE");
    assertThat(toActive.code()).isEqualTo(1);

    // an unknown site: exit 2 and the sites there are, in words (not JSON)
    var unknown = plan("office", "--to", "clod");
    assertThat(unknown.code()).as(unknown.out()).isEqualTo(2);
    assertThat(unknown.out())
        .contains("no site named 'clod'", "[office, cloud]")
        .doesNotContain("{");

    // a stopped instance blocks the move; the plan does not pass it off as "no change"
    ec2.stopInstances(r -> r.instanceIds(instance));
    await().atMost(Duration.ofSeconds(30)).until(() -> instanceState().equals("stopped"));
    var stopped = plan("office", "--to", "cloud");
    assertThat(stopped.out())
        .containsPattern("FAIL +instance +cloud's machine " + instance + " is not running")
        .contains("BLOCKED: the move to cloud would not succeed now:", "start it first");
    assertThat(stopped.code()).isEqualTo(1);
    var json = plan("office", "--to", "cloud", "-o", "json");
    assertThat(json.out()).contains("\"ready\":false", "\"blockers\":[");
    assertThat(json.code()).isEqualTo(1);

    // an agent no longer heard blocks it too
    cluster.kill("cloud");
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(plan("office", "--to", "cloud").out())
                    .containsPattern(
                        "FAIL +agent +cloud's agent is UNREACHABLE \\(last seen STANDBY"));
  }
}
