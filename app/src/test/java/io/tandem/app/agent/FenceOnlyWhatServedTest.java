package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.api.RunView;
import io.tandem.core.runbook.report.ReportText;
import io.tandem.core.runbook.report.RunReport;
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
 * Issue 12.1: activation never fences a site that was not serving. The shape of {@code
 * docs/examples/onprem-aws-backup.yaml} — an on-premises primary ({@code office}) and an AWS backup
 * ({@code cloud}) whose EC2 instance is fenced by {@code aws-ec2-stop} — with the AWS side in the
 * emulator (moto) and the agents as {@code tandem agent} runs them. A cold start of the office
 * leaves the backup instance running; after a real failover away from the cloud site, its instance
 * is stopped.
 */
@AwsEmulator
class FenceOnlyWhatServedTest {

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

  java.util.Map<String, String> instanceTags() {
    java.util.Map<String, String> tags = new java.util.TreeMap<>();
    ec2.describeInstances(r -> r.instanceIds(instance))
        .reservations()
        .getFirst()
        .instances()
        .getFirst()
        .tags()
        .forEach(t -> tags.put(t.key(), t.value()));
    return tags;
  }

  static RunReport finishedRun(AgentAssembly agent) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> agent.runtime().runs().stream().anyMatch(r -> r.endedAt() != null));
    RunView v =
        agent.runtime().runs().stream().filter(r -> r.endedAt() != null).findFirst().orElseThrow();
    return (RunReport) agent.runtime().report(v.id(), true).orElseThrow();
  }

  @Test
  void aColdStartOfTheOfficeLeavesTheBackupInstanceRunningAndPagesNobody() {
    AgentAssembly office = cluster.start("office", Map.of());

    RunReport r = finishedRun(office);
    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    assertThat(r.kind()).isEqualTo("ACTIVATION");
    assertThat(r.notes())
        .contains(
            new RunReport.Note("fence", "nobody fenced: nothing was serving before this site"));
    assertThat(r.steps()).noneSatisfy(s -> assertThat(s.id()).startsWith("fence:"));
    assertThat(instanceState()).isEqualTo("running");
    assertThat(cluster.notifications)
        .isNotEmpty()
        .noneSatisfy(n -> assertThat(n).contains("critical"))
        .anySatisfy(n -> assertThat(n).contains("Activation of pbx-hybrid to site office done"));
  }

  @Test
  void afterARealFailoverAwayFromTheCloudSiteItsInstanceIsStopped() {
    AgentAssembly cloud = cluster.start("cloud", Map.of());
    RunReport first = finishedRun(cloud);
    assertThat(first.outcome()).as(ReportText.render(first)).isEqualTo("SUCCEEDED");
    assertThat(instanceState()).isEqualTo("running");
    // before serving, the cloud site recorded its epoch on its own instance (12.7)
    assertThat(first.steps())
        .anySatisfy(
            s -> {
              assertThat(s.id()).isEqualTo("holder:" + instance);
              assertThat(s.status()).isEqualTo("VERIFIED");
            });
    assertThat(instanceTags())
        .containsEntry("tandem:epoch", "1")
        .containsEntry("tandem:site", "cloud");

    AgentAssembly office = cluster.start("office", Map.of());
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> office.driver().peerReports().containsKey("cloud"));
    cluster.kill("cloud"); // the agent dies; its instance is still up and may still serve

    RunReport r = finishedRun(office);
    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    assertThat(r.kind()).isEqualTo("FAILOVER");
    assertThat(r.notes())
        .anySatisfy(
            n -> {
              assertThat(n.label()).isEqualTo("fence");
              assertThat(n.words()).startsWith("fence cloud:");
            });
    assertThat(r.steps())
        .anySatisfy(
            s -> {
              assertThat(s.id()).isEqualTo("fence:" + instance);
              assertThat(s.status()).isEqualTo("VERIFIED");
            });
    assertThat(instanceState()).isIn("stopping", "stopped");
  }
}
