package io.tandem.app.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.AgentProcess;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * A full disk under a real {@code tandem agent}: its data directory is a 2 MiB tmpfs mounted in a
 * private mount namespace the test creates ({@code unshare -m}, invisible to the rest of the
 * machine and gone with the process), filled up from outside through {@code /proc/<pid>/root}.
 * Maintenance commands are sent until the audit log can no longer take an entry: that command is
 * refused (503) and has no effect, every command answered 202 has its entry, and the file never
 * ends in half an entry.
 *
 * <p>The agent runs {@code docs/examples/loopback.yaml} with its local PBX served by the AMI
 * simulator on an ephemeral port and without the trunk: a new agent process fences its own PBX
 * before it leaves STARTING (12.9), and only a confirmed fence lets a maintenance command take
 * effect. With nothing on the example's fixed ports (a clean CI machine) the start-up fence could
 * never be confirmed and no command ever took effect.
 */
class AuditDiskFullTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path dir;
  AgentProcess agent;
  AmiServer pbx;

  @AfterEach
  void stop() throws InterruptedException {
    if (agent != null) {
      agent.close();
    }
    if (pbx != null) {
      pbx.close();
    }
  }

  @Test
  void aCommandWhoseEntryCannotBeWrittenIsRefusedAndTheFileStaysWhole() throws Exception {
    requireRootForMountNamespaces();
    Path data = Files.createDirectories(dir.resolve("data"));
    pbx = new AmiServer(new PbxModel("20.7.0"), new PbxFaults(), "tandem", "ami-secret");
    Path config = dir.resolve("cluster.yaml");
    Files.writeString(config, alphaWithItsPbx(pbx.port()));
    String mount =
        "mount -t tmpfs -o size=2m tandem-audit-"
            + UUID.randomUUID().toString().substring(0, 8)
            + " \"$0\" && exec \"$@\"";
    agent =
        AgentProcess.start(
            config,
            "alpha",
            data,
            dir.resolve("agent.log"),
            List.of(
                "unshare", "-m", "--propagation", "private", "sh", "-c", mount, data.toString()),
            Map.of(
                "TANDEM_PEER_SECRET", "peer-secret-for-the-disk-full-test-0123456789",
                "TANDEM_WITNESS_SECRET_ALPHA", "witness-secret-of-alpha-0123",
                "AMI_SECRET", "ami-secret",
                "TANDEM_TSIG_SECRET", "dGFuZGVtLXRlc3Qta2V5LTAxMjM0NTY3ODk=",
                "CARRIER_PASSWORD", "carrier-password"));
    // the agent's view of its data directory (its mount namespace, not ours)
    Path seen = Path.of("/proc/" + agent.pid() + "/root" + data);
    Path audit = seen.resolve("audit.jsonl");
    assertThat(send(true)).as("a command on a disk with room").isEqualTo(202);
    // commands take effect (once the start-up fence of alpha's PBX is confirmed)
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(alphaState()).as(() -> agent.logTail()).isEqualTo("MAINTENANCE"));
    fill(seen.resolve("filler"));

    Boolean lastAccepted = true;
    Integer refusedAt = null;
    for (int i = 0; i < 60 && refusedAt == null; i++) {
      boolean on = i % 2 == 1;
      int status = send(on);
      String text = Files.readString(audit, StandardCharsets.UTF_8);
      assertThat(text).as("after command %d (%d)", i, status).endsWith("\n");
      if (status == 202) {
        lastAccepted = on;
      } else {
        assertThat(status).as(agent.logTail()).isEqualTo(503);
        refusedAt = i;
      }
    }
    assertThat(refusedAt).as("the audit log filled up within 60 commands").isNotNull();

    AuditVerification v = AuditLog.verify(audit);
    assertThat(v.ok()).as(v.problems().toString()).isTrue();
    assertThat(v.tornTail()).isFalse();
    // the refused command did not happen: the site's maintenance follows the last accepted one
    boolean expectMaintenance = lastAccepted;
    await()
        .atMost(Duration.ofSeconds(10))
        .during(Duration.ofMillis(1500))
        .untilAsserted(
            () ->
                assertThat(alphaState().equals("MAINTENANCE"))
                    .as(() -> "alpha in maintenance\n" + agent.logTail())
                    .isEqualTo(expectMaintenance));
  }

  /**
   * The loopback example as written, with alpha's AMI port pointing at the simulator and without
   * the trunk (its registrar is not part of this test; its fence could not be confirmed).
   */
  private static String alphaWithItsPbx(int amiPort) throws IOException {
    String yaml = Files.readString(ROOT.resolve("docs/examples/loopback.yaml"));
    String withPbx = yaml.replace("port: 5038,", "port: " + amiPort + ",");
    int trunks = withPbx.indexOf("\ntrunks:");
    int witness = withPbx.indexOf("\nwitness:");
    assertThat(withPbx).as("the example names alpha's AMI port").isNotEqualTo(yaml);
    assertThat(trunks).as("the example's trunks come before its witness").isBetween(0, witness);
    return withPbx.substring(0, trunks) + withPbx.substring(witness);
  }

  private int send(boolean on) throws Exception {
    String auth =
        Base64.getEncoder()
            .encodeToString(
                ("operator:" + AgentProcess.OPERATOR_PASSWORD).getBytes(StandardCharsets.UTF_8));
    return HTTP.send(
            HttpRequest.newBuilder(agent.url("/api/v1/commands/maintenance"))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Basic " + auth)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"site\":\"alpha\",\"on\":" + on + "}"))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private String alphaState() throws Exception {
    String auth =
        Base64.getEncoder()
            .encodeToString(
                ("operator:" + AgentProcess.OPERATOR_PASSWORD).getBytes(StandardCharsets.UTF_8));
    String body =
        HTTP.send(
                HttpRequest.newBuilder(agent.url("/api/v1/status"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Basic " + auth)
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (var s : JsonMapper.shared().readTree(body).path("sites")) {
      if (s.path("name").asString().equals("alpha")) {
        return s.path("state").asString();
      }
    }
    return "?";
  }

  /** Writes until the file system says it is full. */
  private static void fill(Path filler) throws IOException {
    byte[] block = new byte[4096];
    try (OutputStream out = Files.newOutputStream(filler)) {
      for (int i = 0; i < 4096; i++) { // 16 MiB at most: far more than the 2 MiB mount
        out.write(block);
        out.flush();
      }
    } catch (IOException full) {
      if (!String.valueOf(full.getMessage()).contains("No space left")) {
        throw full;
      }
      return;
    }
    throw new IllegalStateException(filler + ": 16 MiB written; the tmpfs was not mounted");
  }

  private static void requireRootForMountNamespaces() throws Exception {
    Process p =
        new ProcessBuilder("unshare", "-m", "--propagation", "private", "true")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(
          "this test mounts a small tmpfs in a private mount namespace and needs root (CI runs"
              + " as root) and util-linux's unshare (apt-get install util-linux): "
              + out);
    }
  }
}
