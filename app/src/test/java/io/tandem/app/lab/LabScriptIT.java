package io.tandem.app.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  /**
   * Issue 18.8: a taken console port is replaced before anything starts (and the lab says by
   * which), not a Spring "APPLICATION FAILED TO START" after a slow start; and with no terminal
   * (stdin a closed pipe, output to a file, as under nohup, a service manager or CI) the lab keeps
   * its consoles up until it is stopped, then SIGTERM ends it.
   */
  @Test
  void aBusyPortIsReplacedAndWithoutATerminalTheLabRunsUntilStopped(@TempDir Path dir)
      throws Exception {
    Path root = Path.of(System.getProperty("tandem.projectRoot", "..")).toAbsolutePath();
    Path out = dir.resolve("lab.txt");
    try (ServerSocket taken = takenBelowTheEphemeralRange()) {
      int busy = taken.getLocalPort();
      Process lab =
          new ProcessBuilder(
                  root.resolve("scripts/lab").toString(),
                  "--scenario",
                  "none",
                  "--port",
                  String.valueOf(busy))
              .directory(root.toFile())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      lab.getOutputStream().close(); // stdin: no terminal, and at its end at once
      try {
        await("the lab up with its consoles on other ports")
            .atMost(Duration.ofMinutes(5))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> Files.readString(out).contains("The consoles stay up") || !lab.isAlive());
        String printed = Files.readString(out, StandardCharsets.UTF_8);
        System.out.println(printed);
        assertThat(printed)
            .doesNotContain("APPLICATION FAILED TO START")
            .containsPattern(
                "port "
                    + busy
                    + " is busy on 127\\.0\\.0\\.1; the consoles use ports \\d+ and \\d+ instead")
            .contains("until the lab is stopped: Ctrl-C, or kill " + lab.pid());
        Matcher ports =
            Pattern.compile("the consoles use ports (\\d+) and (\\d+)").matcher(printed);
        assertThat(ports.find()).isTrue();
        int first = Integer.parseInt(ports.group(1));
        assertThat(first).isNotEqualTo(busy);
        assertThat(printed).contains("http://127.0.0.1:" + first + "/");
        // stdin is at its end and the scenario is over: the lab still answers
        assertThat(lab.isAlive()).as("the lab still runs without a terminal").isTrue();
        HttpResponse<String> login =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first + "/login"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(lab.isAlive()).isTrue();
        lab.destroy(); // SIGTERM
        assertThat(lab.waitFor(60, TimeUnit.SECONDS)).as("SIGTERM ends the lab").isTrue();
        assertThat(lab.exitValue()).as("exit status after SIGTERM").isEqualTo(143);
      } finally {
        lab.descendants().forEach(ProcessHandle::destroyForcibly);
        lab.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * A listening socket on a port below the kernel's ephemeral range (as 8080 is), with the two
   * ports after it free: the lab's own peers bind ephemeral ports, and one of them may take a port
   * in that range between the lab's check and its console's bind (the lab then falls back again).
   */
  static ServerSocket takenBelowTheEphemeralRange() throws IOException {
    int low = 32768;
    try {
      // readAllLines: Files.readString returned only "3" of this /proc file here (JDK 25)
      low =
          Integer.parseInt(
              Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                  .getFirst()
                  .strip()
                  .split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      // not Linux, or unreadable: the usual default
    }
    for (int p = Math.max(1024, low - 12_000); p + 2 < low; p += 3) {
      if (!free(p + 1) || !free(p + 2)) {
        continue;
      }
      try {
        return new ServerSocket(p, 1, InetAddress.getLoopbackAddress());
      } catch (IOException taken) {
        // in use already: try further
      }
    }
    throw new IllegalStateException("no free port below " + low + " on 127.0.0.1");
  }

  static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
