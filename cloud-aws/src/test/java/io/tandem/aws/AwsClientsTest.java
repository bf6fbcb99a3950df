package io.tandem.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.PermissionException;
import io.tandem.sim.peer.AwsEmulatorPeer;
import io.tandem.testkit.AwsEmulator;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

@AwsEmulator
class AwsClientsTest {

  @Test
  void assumesTheSitesRoleWithSts(AwsEmulatorPeer peer) {
    AwsSite site =
        AwsSite.builder("b")
            .region(peer.region())
            .endpointOverride(peer.endpoint())
            .roleArn("arn:aws:iam::123456789012:role/tandem-agent")
            .externalId("tandem-b")
            .build();
    ApiCallCounter counter = new ApiCallCounter();
    try (AwsClients aws = AwsTestSupport.clients(peer, site, counter)) {
      var identity = aws.credentials().resolveIdentity().join();
      assertThat(identity).isInstanceOf(AwsSessionCredentials.class);
      assertThat(identity.accessKeyId()).isNotEqualTo(peer.accessKeyId());
      assertThat(counter.calls("Sts.AssumeRole")).isEqualTo(1);
      // The assumed credentials work for the adapters' calls.
      assertThat(aws.ec2().describeAddresses().addresses()).isNotNull();
    }
  }

  @Test
  void usesANamedProfileAndReportsAMissingOneAsAPermissionProblem(
      AwsEmulatorPeer peer, @TempDir Path dir) throws IOException {
    Path credentials = dir.resolve("credentials");
    Files.writeString(
        credentials,
        "[dr]\naws_access_key_id = AKIATANDEMPROFILE01\naws_secret_access_key = "
            + peer.secretAccessKey()
            + "\n");
    String property = "aws.sharedCredentialsFile";
    String before = System.getProperty(property);
    System.setProperty(property, credentials.toString());
    try {
      AwsSite dr =
          AwsSite.builder("dr")
              .region(peer.region())
              .endpointOverride(peer.endpoint())
              .profile("dr")
              .build();
      try (AwsClients aws = AwsClients.create(dr)) {
        assertThat(aws.credentials().resolveIdentity().join().accessKeyId())
            .isEqualTo("AKIATANDEMPROFILE01");
        assertThat(new ElasticIpMover(aws).provider()).isEqualTo("aws-eip");
        assertThat(aws.ec2().describeAddresses().addresses()).isNotNull();
      }
      AwsSite missing =
          AwsSite.builder("x")
              .region(peer.region())
              .endpointOverride(peer.endpoint())
              .profile("no-such-profile")
              .build();
      try (AwsClients aws = AwsClients.create(missing)) {
        assertThatThrownBy(() -> new ElasticIpMover(aws).observe("eipalloc-0123456789abcdef0"))
            .isInstanceOf(PermissionException.class)
            .hasMessageContaining("no usable AWS credentials");
      }
    } finally {
      if (before == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, before);
      }
    }
  }

  @Test
  void theBuilderNamesTheFieldThatIsWrong() {
    assertThatThrownBy(() -> AwsSite.builder("b").region("europe-1").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sites.b.aws.region");
    assertThatThrownBy(() -> AwsSite.builder("b").region("eu-west-1").roleArn("tandem").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sites.b.aws.roleArn");
    assertThatThrownBy(
            () ->
                AwsSite.builder("b")
                    .region("eu-west-1")
                    .apiCallTimeout(Duration.ofSeconds(1))
                    .apiCallAttemptTimeout(Duration.ofSeconds(2))
                    .build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("apiCallAttemptTimeout");
    assertThatThrownBy(
            () ->
                AwsSite.builder("b").region("eu-west-1").endpointOverride(URI.create("x")).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("endpointOverride");
    assertThat(AwsSite.builder("b").region("eu-west-1").profile("dr").build().toString())
        .contains("eu-west-1", "dr");
  }
}
