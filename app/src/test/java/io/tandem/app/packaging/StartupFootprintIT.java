package io.tandem.app.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17.4, what start time and memory depend on, checked without a wall-clock bound: the agent
 * as users start it ({@code packaging/bin/tandem agent} with the launcher's default JVM options,
 * the packaged jar) for docs/examples/loopback.yaml's site alpha, a cluster of on-prem providers
 * only.
 *
 * <ul>
 *   <li>It loads no class of the AWS or Azure SDKs (they are half the jar's classes: picocli's
 *       reflection on {@code tandem witness init} and the verifier's check of an Azure credential
 *       in {@code ProviderAdapters} loaded them in every agent before).
 *   <li>Its heap is capped by the launcher (128 MiB, sized from a failover's live heap; see {@code
 *       scripts/bench-start}), and its resident memory at ready stays under the design bound of 256
 *       MiB plus a 10 % allowance for the JDK's own variation (without the cap it held 297 MiB on a
 *       24 GiB host: the JVM's default commits 1/64 of RAM as heap at start).
 * </ul>
 */
class StartupFootprintIT {

  static final Path ROOT =
      Path.of(System.getProperty("tandem.projectRoot", "..")).toAbsolutePath().normalize();
  static final long RSS_BOUND_KIB = 256 * 1024;
  static final double ALLOWANCE = 1.10;

  @Test
  void anOnPremAgentLoadsNoCloudSdkAndStaysUnderItsMemoryBound(@TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path config = dir.resolve("cluster.yaml");
    Files.writeString(
        config,
        Files.readString(ROOT.resolve("docs/examples/loopback.yaml"))
            .replace("managementAddress: 127.0.0.1:7481", "managementAddress: 127.0.0.1:" + port));
    Files.createDirectories(dir.resolve("data"));
    Path out = dir.resolve("agent.log");
    Path classes = dir.resolve("classes.txt");
    Path gc = dir.resolve("gc.txt");
    ProcessBuilder pb =
        new ProcessBuilder(
                ROOT.resolve("packaging/bin/tandem").toString(),
                "agent",
                "--config",
                config.toString(),
                "--site",
                "alpha",
                "--data-dir",
                dir.resolve("data").toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    Map<String, String> env = pb.environment();
    env.remove("TANDEM_JAVA_OPTS"); // the launcher's defaults, as the unit runs it
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("TANDEM_JAR", ROOT.resolve("app/target/tandem.jar").toString());
    // beside the launcher's options, not instead of them
    env.put(
        "JAVA_TOOL_OPTIONS",
        "-Xlog:class+load=info:file=" + classes + " -Xlog:gc+init=info:file=" + gc);
    env.putAll(
        Map.of(
            "AMI_SECRET", "footprint-ami",
            "TANDEM_TSIG_SECRET", "Zm9vdHByaW50LXRzaWc=",
            "CARRIER_PASSWORD", "footprint-carrier",
            "TANDEM_WITNESS_SECRET_ALPHA", "footprint-witness-alpha-0123456789abcdef",
            "TANDEM_WITNESS_SECRET_BETA", "footprint-witness-beta-0123456789abcdefg",
            "TANDEM_PEER_SECRET", "footprint-peer-secret-0123456789abcdefghijklmnop",
            "TANDEM_ADMIN_PASSWORD", "footprint-admin-password"));
    Process agent = pb.start();
    try {
      // Ready as `tandem agent` announces it; bounded for a loaded CI machine, never a figure.
      await()
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                String log = Files.readString(out, StandardCharsets.UTF_8);
                assertThat(agent.isAlive()).as("the agent exited: %s", log).isTrue();
                return log.contains("serving on 127.0.0.1:" + port);
              });
      long rssKiB = vmRssKiB(agent.pid());

      List<String> loaded = Files.readAllLines(classes, StandardCharsets.UTF_8);
      // the on-prem providers were built (and the log works)
      assertThat(loaded)
          .anyMatch(l -> l.contains(" io.tandem.onprem.dns.Rfc2136DnsUpdater "))
          .anyMatch(l -> l.contains(" io.tandem.onprem.sip.SipTrunkRegistrar "));
      assertThat(loaded)
          .as("AWS SDK classes loaded by an agent whose cluster uses no AWS")
          .noneMatch(l -> l.contains(" software.amazon."));
      assertThat(loaded)
          .as("Azure SDK classes loaded by an agent whose cluster uses no Azure")
          .noneMatch(l -> l.contains(" com.azure."));

      assertThat(Files.readString(gc, StandardCharsets.UTF_8))
          .as("the launcher caps the agent's heap")
          .containsPattern("Heap Max Capacity: 128M");
      assertThat(rssKiB)
          .as("resident memory at ready, KiB (design bound 256 MiB + 10 %%)")
          .isLessThanOrEqualTo((long) (RSS_BOUND_KIB * ALLOWANCE));
    } finally {
      agent.destroy();
      if (!agent.waitFor(30, TimeUnit.SECONDS)) {
        agent.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  static long vmRssKiB(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D+", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }
}
