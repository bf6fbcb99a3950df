package io.tandem.app.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.FakeClusterRuntime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Operator commands under an API flood (session 3's finding: a switchover was shed with reads, 503
 * "API busy"): reads that hold every shared permit, and a burst of further reads turned away, still
 * leave an operator's {@code POST /api/v1/commands/switchover} accepted from the commands' reserve
 * ({@code tandem.http.command-permits}); a command without credentials gets no reserve.
 */
class CommandReserveTest {

  static final String VIEWER = "viewer-token-0123456789abcdef";
  static final String OPERATOR = "operator-token-0123456789abcd";

  @TempDir Path dir;

  @Test
  void aFloodOfReadsLeavesRoomForAnOperatorsSwitchover() throws Exception {
    FakeClusterRuntime runtime = new FakeClusterRuntime();
    Map<String, Object> p = new HashMap<>();
    p.put("server.port", "0");
    p.put("server.address", "127.0.0.1");
    p.put("tandem.data-dir", dir.toString());
    p.put("tandem.http.api-permits", "2");
    p.put("tandem.security.tokens[0].name", "dashboard");
    p.put("tandem.security.tokens[0].role", "VIEWER");
    p.put("tandem.security.tokens[0].token", VIEWER);
    p.put("tandem.security.tokens[1].name", "olive");
    p.put("tandem.security.tokens[1].role", "OPERATOR");
    p.put("tandem.security.tokens[1].token", OPERATOR);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
    try (ConfigurableApplicationContext ctx =
        TandemServer.start(p, Map.of("clusterRuntime", runtime))) {
      // only now: the server reads the status while it starts (metrics)
      runtime.holdStatus = new CountDownLatch(1);
      URI base =
          URI.create("http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port"));
      try {
        flood(runtime, http, base, held);
      } finally {
        runtime.holdStatus.countDown();
      }
      for (var f : held) {
        assertThat(f.get().statusCode()).isEqualTo(200);
      }
    }
  }

  void flood(
      FakeClusterRuntime runtime,
      HttpClient http,
      URI base,
      List<CompletableFuture<HttpResponse<String>>> held)
      throws Exception {
    HttpRequest read =
        HttpRequest.newBuilder(base.resolve("/api/v1/status"))
            .header("Authorization", "Bearer " + VIEWER)
            .timeout(Duration.ofSeconds(40))
            .build();
    int readsBefore = runtime.statusReads.get();
    // the flood: two slow reads hold both shared permits ...
    for (int i = 0; i < 2; i++) {
      held.add(http.sendAsync(read, HttpResponse.BodyHandlers.ofString()));
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> runtime.statusReads.get() >= readsBefore + 2);
    // ... and the rest of it, 20 at once, is turned away
    List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      burst.add(http.sendAsync(read, HttpResponse.BodyHandlers.ofString()));
    }
    for (var f : burst) {
      assertThat(f.get().statusCode()).isEqualTo(503);
    }

    HttpResponse<String> switchover =
        http.send(
            HttpRequest.newBuilder(base.resolve("/api/v1/commands/switchover"))
                .header("Authorization", "Bearer " + OPERATOR)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"target\":\"site-b\"}"))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(switchover.statusCode()).as(switchover.body()).isEqualTo(202);
    assertThat(runtime.commands).contains("switchover site-b");

    HttpResponse<String> anonymous =
        http.send(
            HttpRequest.newBuilder(base.resolve("/api/v1/commands/switchover"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"target\":\"site-a\"}"))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).as("no credentials, no reserve").isEqualTo(503);
    assertThat(runtime.commands).doesNotContain("switchover site-a");
  }
}
