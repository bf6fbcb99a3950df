package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every design in the brief has a complete example under docs/examples, and each loads. */
class ExampleConfigsTest {

  static final Path EXAMPLES = Path.of("..", "docs", "examples");
  private final ClusterConfigLoader loader = new ClusterConfigLoader();

  @Test
  void everyExampleLoads() throws Exception {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      assertThat(files.filter(p -> p.toString().endsWith(".yaml")))
          .hasSizeGreaterThanOrEqualTo(4)
          .allSatisfy(p -> assertThat(loader.load(p).sites()).hasSizeGreaterThanOrEqualTo(2));
    }
  }

  @Test
  void sideBySideMovesOneVipBetweenTwoHostsOfOneRoom() {
    ClusterConfig c = loader.load(EXAMPLES.resolve("side-by-side.yaml"));
    assertThat(c.name()).isEqualTo("pbx-office");
    assertThat(c.sites())
        .allSatisfy(
            s -> {
              assertThat(s.region()).contains("room-a");
              assertThat(s.serviceAddresses())
                  .singleElement()
                  .isInstanceOfSatisfying(
                      ServiceAddress.VirtualIp.class,
                      v -> assertThat(v.address()).isEqualTo("192.0.2.10/24"));
            });
    assertThat(c.witness())
        .isInstanceOfSatisfying(
            WitnessConfig.Builtin.class,
            w -> {
              assertThat(w.siteSecrets()).containsOnlyKeys("pbx-a", "pbx-b");
              assertThat(w.listen()).contains("0.0.0.0:7443");
            });
    assertThat(c.timings().ticketTtl()).isEqualTo(Duration.ofSeconds(6));
    assertThat(c.timings().renewInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.sitesByPreference().get(0).name()).isEqualTo("pbx-a");
    assertThat(c.site("pbx-b").orElseThrow().pbx().port()).isEqualTo(5038);
  }

  @Test
  void otherCityMovesByRfc2136AndUsesEtcd() {
    ClusterConfig c = loader.load(EXAMPLES.resolve("other-city.yaml"));
    assertThat(c.dns()).allSatisfy(d -> assertThat(d.provider()).isEqualTo(DnsProvider.RFC2136));
    assertThat(c.dns().get(0).forSite("hamburg").values()).containsExactly("203.0.113.10");
    assertThat(c.dns().get(0).rfc2136().orElseThrow().tsigSecret().reference())
        .isEqualTo("${file:/etc/tandem/tsig.key}");
    assertThat(c.witness()).isInstanceOf(WitnessConfig.Etcd.class);
    assertThat(c.site("berlin").orElseThrow().pbx().port()).isEqualTo(8021);
    assertThat(c.policies().approvalGates()).containsExactly(ApprovalGate.BEFORE_FAILBACK);
  }

  @Test
  void onpremWithAwsBackupMovesByRoute53() {
    ClusterConfig c = loader.load(EXAMPLES.resolve("onprem-aws-backup.yaml"));
    assertThat(c.dns().get(0).provider()).isEqualTo(DnsProvider.ROUTE53);
    assertThat(c.trunks().get(0).domain()).contains("carrier.example.net");
    assertThat(c.trunks().get(0).expires()).isEqualTo(Duration.ofHours(1));
    assertThat(c.witness()).isInstanceOf(WitnessConfig.DynamoDb.class);
    assertThat(c.policies().autoFailback()).isTrue();
  }

  @Test
  void awsWithAzureBackupUsesAzureDnsAndBlobWitness() {
    ClusterConfig c = loader.load(EXAMPLES.resolve("aws-azure.yaml"));
    assertThat(c.dns().get(0).provider()).isEqualTo(DnsProvider.AZURE_DNS);
    assertThat(c.witness()).isInstanceOf(WitnessConfig.AzureBlob.class);
    assertThat(c.site("azure-amsterdam").orElseThrow().azure()).isPresent();
    assertThat(c.policies().witnessOutageFailsafe()).isTrue();
  }
}
