package io.tandem.app.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.AgentProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer-link message captured on the wire cannot be replayed to an agent after it restarts, when
 * its in-memory replay cache is empty: a real {@code tandem agent} process (the CLI, in a child
 * JVM) accepts a signed report, is killed and started again, and then refuses the same bytes while
 * still accepting a fresh report from the same peer.
 */
class PeerReplayAcrossRestartTest {

  static final String PEER_SECRET = "peer-secret-for-the-replay-test-0123456789";
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path dir;
  AgentProcess agent;

  @AfterEach
  void stop() throws InterruptedException {
    kill();
  }

  @Test
  void aCapturedMessageIsRefusedAfterARestart() throws Exception {
    // the example with the default ticket (10 s) stretched to 30 s: the replay below arrives well
    // inside the accepted timestamp window however slowly this machine restarts the agent
    Path config = dir.resolve("cluster.yaml");
    Files.writeString(
        config,
        Files.readString(ROOT.resolve("docs/examples/loopback.yaml"))
            .replace("ticketTtl: 6s", "ticketTtl: 30s"));
    int port = AgentProcess.freePort();
    startAgent(config, port, dir.resolve("agent.log"));
    PeerAuthentication beta =
        new PeerAuthentication(
            PEER_SECRET.getBytes(StandardCharsets.UTF_8),
            Set.of("alpha", "beta"),
            Clock.systemUTC(),
            Duration.ofSeconds(6));
    byte[] body =
        ("{\"site\":\"beta\",\"state\":\"STANDBY\",\"healthy\":true,\"priority\":2,"
                + "\"witnessReachable\":true,\"promiseBound\":false,\"handingOverTo\":null}")
            .getBytes(StandardCharsets.UTF_8);
    // the first report the agent can take (it refuses reports signed before it started)
    HttpRequest[] captured = new HttpRequest[1];
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              captured[0] = report(port, beta.sign("beta", "report", body), body);
              assertThat(send(captured[0])).as(agent.logTail()).isEqualTo(202);
            });

    kill(); // as a crash would; systemd restarts it within seconds
    long capturedAt = System.nanoTime();
    startAgent(config, port, dir.resolve("agent-2.log"));
    assertThat(Duration.ofNanos(System.nanoTime() - capturedAt))
        .as("the restart took less than the 30 s window, so the stamp alone does not refuse it")
        .isLessThan(Duration.ofSeconds(28));

    assertThat(send(captured[0])).as("the captured report, replayed").isEqualTo(401);
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(send(report(port, beta.sign("beta", "report", body), body)))
                    .as("a fresh report")
                    .isEqualTo(202));
  }

  private AgentProcess startAgent(Path config, int port, Path log) throws IOException {
    agent =
        AgentProcess.start(
            config,
            "alpha",
            dir.resolve("data"),
            log,
            List.of(),
            Map.of(
                "TANDEM_PEER_SECRET", PEER_SECRET,
                "TANDEM_WITNESS_SECRET_ALPHA", "witness-secret-of-alpha-0123",
                "AMI_SECRET", "ami-secret",
                "TANDEM_TSIG_SECRET", "dGFuZGVtLXRlc3Qta2V5LTAxMjM0NTY3ODk=",
                "CARRIER_PASSWORD", "carrier-password"),
            port);
    return agent;
  }

  private void kill() throws InterruptedException {
    if (agent != null) {
      agent.close();
    }
  }

  private static HttpRequest report(int port, PeerAuthentication.Signed s, byte[] body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/peer/v1/report"))
        .timeout(Duration.ofSeconds(5))
        .header("Content-Type", "application/json")
        .header(PeerAuthentication.SITE_HEADER, s.site())
        .header(PeerAuthentication.TIMESTAMP_HEADER, s.timestamp())
        .header(PeerAuthentication.SIGNATURE_HEADER, s.signature())
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }

  private static int send(HttpRequest r) throws Exception {
    return HTTP.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
