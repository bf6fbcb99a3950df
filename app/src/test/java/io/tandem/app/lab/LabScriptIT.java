package io.tandem.app.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The README's main command as written, {@code ./scripts/lab}, on the jar this build packaged, with
 * the measuring flags the README documents ({@code --repeat N --json FILE}): two fresh clusters
 * each fail over, and the measured RTOs come out with every part labelled. Runs after {@code
 * package} (failsafe); bounded by a timeout that destroys the lab.
 */
class LabScriptIT {

  @Test
  void theMainCommandFailsOverTwiceAndWritesTheMeasuredRto(@TempDir Path dir)
      throws IOException, InterruptedException {
    Path root = Path.of(System.getProperty("tandem.projectRoot", "..")).toAbsolutePath();
    Path json = dir.resolve("rto.json");
    Path out = dir.resolve("lab.txt");
    Process lab =
        new ProcessBuilder(
                root.resolve("scripts/lab").toString(), "--repeat", "2", "--json", json.toString())
            .directory(root.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    boolean ended = lab.waitFor(8, TimeUnit.MINUTES);
    if (!ended) {
      lab.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    String printed = Files.readString(out, StandardCharsets.UTF_8);
    System.out.println(printed);
    assertThat(ended).as("the lab ended within 8 minutes").isTrue();
    assertThat(lab.exitValue()).as(printed).isZero();
    assertThat(printed)
        .contains("tandem lab: a SIMULATED cluster on 127.0.0.1")
        .contains("sync: on ")
        .contains("FAILOVER COMPLETE")
        .contains("TOTAL (to service verified)")
        .containsPattern("RTO \\d+\\.\\d\\d s, measured from outside")
        .containsPattern("RTO over 2 runs: median \\d+\\.\\d\\d s, worst \\d+\\.\\d\\d s");
    JsonNode results = JsonMapper.shared().readTree(json.toFile());
    assertThat(results.path("runs").asInt()).isEqualTo(2);
    assertThat(results.path("ok").asInt()).isEqualTo(2);
    for (JsonNode r : results.path("results")) {
      assertThat(r.path("rtoMillis").asLong()).isPositive();
      assertThat(r.path("detectionMillis").isNumber()).as(r.toString()).isTrue();
      assertThat(r.path("ticketWaitMillis").isNumber()).as(r.toString()).isTrue();
      assertThat(r.path("runbookMillis").isNumber()).as(r.toString()).isTrue();
    }
  }
}
