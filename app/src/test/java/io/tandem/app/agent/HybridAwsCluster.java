package io.tandem.app.agent;

import io.tandem.sim.peer.AwsEmulatorPeer;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.InstanceType;
import software.amazon.awssdk.services.route53.Route53Client;

/**
 * The shape of {@code docs/examples/onprem-aws-backup.yaml} for tests of the agent as {@code tandem
 * agent} builds it: an on-premises {@code office} (priority 1) and an AWS {@code cloud} (priority
 * 2) whose EC2 instance, run in the emulator (moto), is its {@code aws-ec2-stop} fence target, and
 * a Route 53 record in a fresh hosted zone. The AWS SDK clients here are the test's own view of the
 * emulator; the agents build theirs from the cluster file. Shared by {@code
 * FenceOnlyWhatServedTest}, {@code PlanReadinessTest} and {@code DecisionToFirstStepTest}.
 *
 * @param ec2 the test's EC2 client
 * @param route53 the test's Route 53 client
 * @param instance the cloud site's EC2 instance (its fence target)
 * @param zone the hosted zone's name, e.g. {@code z123.example.org.}
 * @param zoneId the hosted zone's id
 * @param cluster the two agents' loopback cluster, its file written, no agent started
 */
record HybridAwsCluster(
    Ec2Client ec2,
    Route53Client route53,
    String instance,
    String zone,
    String zoneId,
    LoopbackCluster cluster)
    implements AutoCloseable {

  /**
   * Creates the instance and the hosted zone in the emulator and writes the cluster file into
   * {@code dir}; {@code reference} prefixes the hosted zone's caller reference.
   */
  static HybridAwsCluster create(AwsEmulatorPeer peer, Path dir, String reference)
      throws Exception {
    System.setProperty("aws.accessKeyId", peer.accessKeyId());
    System.setProperty("aws.secretAccessKey", peer.secretAccessKey());
    var creds =
        StaticCredentialsProvider.create(
            AwsBasicCredentials.create(peer.accessKeyId(), peer.secretAccessKey()));
    Ec2Client ec2 =
        Ec2Client.builder()
            .endpointOverride(peer.endpoint())
            .region(Region.of(peer.region()))
            .credentialsProvider(creds)
            .build();
    Route53Client route53 =
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
    String instance =
        ec2.runInstances(
                r -> r.imageId(image).instanceType(InstanceType.T3_MICRO).minCount(1).maxCount(1))
            .instances()
            .getFirst()
            .instanceId();
    String zone = "z" + System.nanoTime() + ".example.org.";
    String zoneId =
        route53
            .createHostedZone(
                r -> r.name(zone).callerReference(reference + "-" + System.nanoTime()))
            .hostedZone()
            .id()
            .replaceFirst("^/hostedzone/", "");
    LoopbackCluster cluster = new LoopbackCluster(dir, "pbx-hybrid", List.of("office", "cloud"));
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
    return new HybridAwsCluster(ec2, route53, instance, zone, zoneId, cluster);
  }

  /** The EC2 instance's state as the emulator reports it, e.g. {@code running}. */
  String instanceState() {
    return ec2.describeInstances(r -> r.instanceIds(instance))
        .reservations()
        .getFirst()
        .instances()
        .getFirst()
        .state()
        .nameAsString();
  }

  @Override
  public void close() throws Exception {
    cluster.close();
    ec2.close();
    route53.close();
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }
}
