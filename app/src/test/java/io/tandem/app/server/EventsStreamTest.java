package io.tandem.app.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.FakeClusterRuntime;
import io.tandem.core.event.TandemEvent;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The console's live stream subscribes to the agent's typed events (issue 13.7): a step's result
 * reaches the browser as soon as it is published, while its run is still going, and a decision that
 * changes the state brings the whole status with it.
 */
class EventsStreamTest {

  static final String TOKEN = "tok-events-0123456789abcdefghij";
  @TempDir static Path dir;
  static ConfigurableApplicationContext ctx;
  static FakeClusterRuntime runtime;
  static URI base;

  @BeforeAll
  static void start() {
    runtime = new FakeClusterRuntime();
    Map<String, Object> p = new HashMap<>();
    p.put("server.port", "0");
    p.put("server.address", "127.0.0.1");
    p.put("tandem.data-dir", dir.toString());
    p.put("tandem.security.tokens[0].name", "viewer");
    p.put("tandem.security.tokens[0].role", "VIEWER");
    p.put("tandem.security.tokens[0].token", TOKEN);
    ctx = TandemServer.start(p, Map.of("clusterRuntime", runtime));
    base = URI.create("http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port"));
  }

  @AfterAll
  static void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  void stepEventsReachTheConsoleWhileTheirRunIsStillGoing() throws Exception {
    HttpResponse<InputStream> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(base.resolve("/api/v1/events"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .header("Accept", "text/event-stream")
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (BufferedReader in =
                      new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    for (String l = in.readLine(); l != null; l = in.readLine()) {
                      lines.add(l);
                    }
                  } catch (Exception closed) {
                    // the stream ends with the test
                  }
                });
    Instant t = Instant.parse("2026-12-07T10:00:00Z");
    // the subscription is made when the stream opens; publish until the first event arrives
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              runtime.emit(
                  new TandemEvent.RunStarted("site-b", "run-7", "FAILOVER", "site-a", "site-b", t));
              return lines.stream().anyMatch(l -> l.equals("event:run"));
            });
    runtime.emit(
        new TandemEvent.StepFinished(
            "site-b",
            "run-7",
            "move",
            "dns:sip.example.com",
            "DONE",
            t,
            t.plusMillis(40),
            "sip.example.com A 192.0.2.12"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> lines.stream().anyMatch(l -> l.equals("event:step")));
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("data:{\"type\":\"step\"")
                    .contains("\"data\":{\"runId\":\"run-7\"")
                    .contains("\"step\":\"dns:sip.example.com\"")
                    .contains("\"result\":\"DONE\""));
    // the run has not finished: no run event with an end was sent
    assertThat(lines).noneMatch(l -> l.contains("\"state\":\"SUCCEEDED\""));
    runtime.emit(
        new TandemEvent.RunFinished(
            "site-b",
            "run-7",
            "FAILOVER",
            "site-a",
            "site-b",
            "SUCCEEDED",
            t,
            t.plusSeconds(2),
            Optional.of(2000L),
            Optional.empty()));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> lines.stream().anyMatch(l -> l.contains("\"state\":\"SUCCEEDED\"")));
    runtime.switchover("site-b"); // a decision that changes the state
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> lines.stream().anyMatch(l -> l.equals("event:state")));
    // a state event carries the whole status the console renders (its sites), never a decision
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                lines.stream()
                    .anyMatch(
                        l ->
                            l.startsWith("data:{\"type\":\"state\"") && l.contains("\"sites\":[")));
    reader.interrupt();
  }
}
