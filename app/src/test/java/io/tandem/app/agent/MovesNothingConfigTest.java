package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.config.ConfigProblem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster in which nothing moves the service to a site (no DNS record, no trunk, no service
 * address of that site) is not a valid cluster: every activation of that site would fail ("failover
 * topology: at least one of 'addresses', 'dnsRecords' or 'trunks' is needed") and the sites would
 * hand the ticket back and forth. {@code tandem validate} and the agent refuse it, naming the site.
 */
class MovesNothingConfigTest {

  static final Path LOOPBACK = Path.of("..", "docs", "examples", "loopback.yaml");

  @TempDir Path dir;

  @Test
  void aClusterThatMovesNothingIsRefusedNamingEachSite() throws Exception {
    String yaml = Files.readString(LOOPBACK);
    String bare =
        yaml.substring(0, yaml.indexOf("\ndns:")) + yaml.substring(yaml.indexOf("\nwitness:"));
    Path file = Files.writeString(dir.resolve("cluster.yaml"), bare);

    ConfigValidation.Result r = new ConfigValidation().validate(file, Optional.empty());

    assertThat(r.valid()).isFalse();
    assertThat(r.problems())
        .extracting(ConfigProblem::path)
        .containsExactly("sites[0]", "sites[1]");
    assertThat(r.problems().getFirst().line()).isEqualTo(10);
    assertThat(r.problems().getFirst().expected())
        .contains("nothing moves the service to site alpha")
        .contains("dns", "trunks", "serviceAddresses");
  }

  @Test
  void oneMovingPartIsEnoughAndTheExamplesAreValid() throws Exception {
    String yaml = Files.readString(LOOPBACK);
    // without its DNS record the loopback cluster still moves its trunk
    String trunkOnly =
        yaml.substring(0, yaml.indexOf("\ndns:")) + yaml.substring(yaml.indexOf("\ntrunks:"));
    Path file = Files.writeString(dir.resolve("cluster.yaml"), trunkOnly);

    assertThat(new ConfigValidation().validate(file, Optional.empty()).problems()).isEmpty();
    assertThat(new ConfigValidation().validate(LOOPBACK, Optional.empty()).problems()).isEmpty();
  }
}
