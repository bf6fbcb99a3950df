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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.InstanceType;
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
    System.setProperty("aws.accessKeyId", peer.accessKeyId());
    System.setProperty("aws.secretAccessKey", peer.secretAccessKey());
    var creds =
        StaticCredentialsProvider.create(
            AwsBasicCredentials.create(peer.accessKeyId(), peer.secretAccessKey()));
    ec2 =
        Ec2Client.builder()
            .endpointOverride(peer.endpoint())
            .region(Region.of(peer.region()))
            .credentialsProvider(creds)
            .build();
    route53 =
        Route53Client.builder()
            .endpointOverride(peer.endpoint())
            .region(Region.AWS_GLOBAL)
            .credentialsProvider(creds)
            .build();
    String image =
        ec2
            .describeImages(
                r ->
                    r.owners("amazon").filters(f -> f.name("name").values("amzn-ami-minimal-pv-*")))
            .images()
            .stream()
            .map(i -> i.imageId())
            .min(Comparator.naturalOrder())
            .orElseThrow();
    instance =
        ec2.runInstances(
                r -> r.imageId(image).instanceType(InstanceType.T3_MICRO).minCount(1).maxCount(1))
            .instances()
            .getFirst()
            .instanceId();
    zone = "z" + System.nanoTime() + ".example.org.";
    zoneId =
        route53
            .createHostedZone(r -> r.name(zone).callerReference("fence-" + System.nanoTime()))
            .hostedZone()
            .id()
            .replaceFirst("^/hostedzone/", "");
    cluster = new LoopbackCluster(dir, "pbx-hybrid", List.of("office", "cloud"));
    cluster.writeConfig(
        """
        cluster: pbx-hybrid
        sites:
          - name: office
            kind: onprem
            priority: 1
            region: vienna
            managementAddress: {mgmt:office}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:office}, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
          - name: cloud
            kind: aws
            priority: 2
            region: %1$s
            managementAddress: {mgmt:cloud}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:cloud}, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
            fencing: { kind: aws-ec2-stop, target: %2$s, enabled: true }
            credentials:
              aws: { region: %1$s, endpoint: "%3$s" }
        dns:
          - provider: route53
            zone: %4$s
            name: sip.%4$s
            type: A
            ttl: 60
            hostedZoneId: %5$s
            values: { office: 198.51.100.20, cloud: 203.0.113.20 }
            aws: { region: %1$s, endpoint: "%3$s" }
        witness:
          kind: builtin
          endpoints: [ "{witness}" ]
          siteSecrets: { office: "${env:WITNESS_SECRET}", cloud: "${env:WITNESS_SECRET}" }
        notifications:
          webhook: { url: "{hook}", secret: "${env:HOOK_SECRET}" }
        timings: { tick: 500ms, ticketTtl: 6s, retryTimeout: 1s, witnessGrace: 1s, driftMargin: 200ms }
        """
            .formatted(peer.region(), instance, peer.endpoint(), zone, zoneId));
  }

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
    ec2.close();
    route53.close();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  String instanceState() {
    return ec2.describeInstances(r -> r.instanceIds(instance))
        .reservations()
        .getFirst()
        .instances()
        .getFirst()
        .state()
        .nameAsString();
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
