package io.tandem.app.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.PeerReport;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A peer that accepts connections but never answers must not hold up the sender. */
class HttpPeerTransportTest {

  @Test
  void aSilentPeerNeitherBlocksTheSenderNorPilesUpRequests() throws Exception {
    // accepts TCP connections (backlog) and never reads or answers
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        HttpPeerTransport t =
            new HttpPeerTransport(
                "a",
                Map.of("b", URI.create("http://127.0.0.1:" + silent.getLocalPort())),
                new PeerAuthentication(
                    "peer-secret-0123456789abcdefghijklmnop".getBytes(StandardCharsets.UTF_8),
                    Set.of("a", "b"),
                    Clock.systemUTC(),
                    Duration.ofSeconds(10)),
                HttpClient.newBuilder().connectTimeout(Duration.ofMillis(300)).build(),
                Duration.ofMillis(300),
                2,
                System::nanoTime)) {
      PeerReport r =
          new PeerReport(
              "a",
              AgentState.ACTIVE,
              true,
              1,
              true,
              false,
              null,
              1,
              -1,
              PeerReport.NEEDS_PROMISES,
              0);

      assertTimeoutPreemptively(
          Duration.ofSeconds(5),
          () -> {
            for (int i = 0; i < 10; i++) {
              t.sendReport("b", r);
            }
          });

      assertThat(t.stats("b").orElseThrow().dropped()).isEqualTo(8);
      await().atMost(Duration.ofSeconds(10)).until(() -> t.stats("b").orElseThrow().failed() == 2);
      assertThat(t.stats("b").orElseThrow().sent()).isZero();
      assertThat(t.stats("nobody")).isEmpty();
    }
  }
}
