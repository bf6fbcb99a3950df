package io.tandem.aws;

import io.tandem.sim.peer.AwsEmulatorPeer;
import java.net.URI;
import java.time.Duration;
import java.util.Comparator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DomainType;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceType;

/** Builds clients against the emulator and creates EC2 fixtures (instances, addresses). */
final class AwsTestSupport {

  private AwsTestSupport() {}

  static AwsSite site(AwsEmulatorPeer peer, String region) {
    return site(peer.endpoint(), region);
  }

  static AwsSite site(URI endpoint, String region) {
    return AwsSite.builder("test-" + region)
        .region(region)
        .endpointOverride(endpoint)
        .apiCallTimeout(Duration.ofSeconds(30))
        .apiCallAttemptTimeout(Duration.ofSeconds(10))
        .build();
  }

  static AwsClients clients(AwsEmulatorPeer peer, AwsSite site, ApiCallCounter counter) {
    return AwsClients.builder(site)
        .credentials(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(peer.accessKeyId(), peer.secretAccessKey())))
        .interceptor(counter)
        .build();
  }

  static AwsClients clients(AwsEmulatorPeer peer, ApiCallCounter counter) {
    return clients(peer, site(peer, peer.region()), counter);
  }

  /**
   * One of the emulator's built-in images. The name filter keeps the answer small: the emulator
   * knows over a thousand images, and parsing all of them takes seconds.
   */
  static String someImage(Ec2Client ec2) {
    return ec2
        .describeImages(
            r -> r.owners("amazon").filters(f -> f.name("name").values("amzn-ami-minimal-pv-*")))
        .images()
        .stream()
        .map(i -> i.imageId())
        .min(Comparator.naturalOrder())
        .orElseThrow(() -> new AssertionError("the emulator offers no AMI"));
  }

  static Instance runInstance(Ec2Client ec2, String image) {
    return ec2.runInstances(
            r -> r.imageId(image).instanceType(InstanceType.T3_MICRO).minCount(1).maxCount(1))
        .instances()
        .getFirst();
  }

  static String allocateAddress(Ec2Client ec2) {
    return ec2.allocateAddress(r -> r.domain(DomainType.VPC)).allocationId();
  }
}
