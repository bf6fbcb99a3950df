package io.tandem.app.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.tandem.app.FakeClusterRuntime;
import io.tandem.app.server.TandemServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A flood of wrong passwords costs the server a bounded number of bcrypt checks (issue 16.1: 100
 * such requests a second made the active agent fence itself): after a burst of failures a client
 * gets 429 with {@code Retry-After} without a check; a repeated wrong password is refused from the
 * cache; a user who logged in before keeps working from the same address; every checked failure has
 * its audit entry and the throttled rest a summary. A saturated API answers 503 while the peer link
 * and the health probe still answer.
 */
class LoginFloodTest {

  @TempDir static Path dir;
  static ConfigurableApplicationContext ctx;
  static final FakeClusterRuntime runtime = new FakeClusterRuntime();
  static URI base;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final String OPERATOR_PW = "operator-password-123";

  @BeforeAll
  static void start() {
    Map<String, Object> p = new HashMap<>();
    p.put("server.port", "0");
    p.put("server.address", "127.0.0.1");
    p.put("tandem.data-dir", dir.toString());
    p.put("tandem.http.api-permits", "2");
    p.put("tandem.http.command-permits", "1");
    p.put("tandem.security.users[0].name", "olive");
    p.put("tandem.security.users[0].role", "OPERATOR");
    p.put("tandem.security.users[0].password", OPERATOR_PW);
    ctx = TandemServer.start(p, Map.of("clusterRuntime", runtime));
    base = URI.create("http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port"));
  }

  @AfterAll
  static void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  static String basic(String user, String pw) {
    return "Basic "
        + Base64.getEncoder().encodeToString((user + ":" + pw).getBytes(StandardCharsets.UTF_8));
  }

  static HttpResponse<String> get(String path, String auth) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static double checks(String outcome) {
    var c = ctx.getBean(MeterRegistry.class).find("tandem.auth.checks").tag("outcome", outcome);
    return c.counter() == null ? 0 : c.counter().count();
  }

  @Test
  void aFloodOfWrongPasswordsCostsABoundedNumberOfChecks() throws Exception {
    String olive = basic("olive", OPERATOR_PW);
    assertThat(get("/api/v1/status", olive).statusCode()).isEqualTo(200);

    // the same wrong password twice: the second refusal comes from the cache
    assertThat(get("/api/v1/status", basic("olive", "wrong-password-0")).statusCode())
        .isEqualTo(401);
    assertThat(get("/api/v1/status", basic("olive", "wrong-password-0")).statusCode())
        .isEqualTo(401);
    assertThat(checks("cached-failed")).isEqualTo(1);

    List<Integer> statuses = new ArrayList<>();
    HttpResponse<String> throttled = null;
    for (int i = 1; i <= 80; i++) {
      var r = get("/api/v1/status", basic("mallory", "guess-" + i));
      statuses.add(r.statusCode());
      if (r.statusCode() == 429) {
        throttled = r;
      }
    }
    long refusedAfterACheck = statuses.stream().filter(s -> s == 401).count();
    // a burst of 10 (two spent above), then one per 6 s; allowance for a slow machine: 5 more
    assertThat(refusedAfterACheck).isBetween(8L, 8L + 5);
    assertThat(statuses).containsOnly(401, 429);
    assertThat(throttled).isNotNull();
    assertThat(throttled.headers().firstValue("Retry-After"))
        .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 6L));
    assertThat(throttled.headers().firstValue("Content-Type"))
        .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
    assertThat(checks("bcrypt-failed"))
        .isLessThanOrEqualTo(refusedAfterACheck + 1); // + wrong-password-0
    assertThat(checks("throttled")).isGreaterThanOrEqualTo(80 - refusedAfterACheck);

    // a user who logged in before is not locked out by the flood from her address
    assertThat(get("/api/v1/status", olive).statusCode()).isEqualTo(200);
    assertThat(checks("bcrypt-ok")).isEqualTo(1);

    // every checked failure is audited on its own, the throttled rest in a summary
    ctx.getBean(RefusalAudit.class).flush();
    String audit = Files.readString(dir.resolve("audit.jsonl"));
    assertThat(audit.lines().filter(l -> l.contains("claimed:mallory") && l.contains("\"401 ")))
        .hasSize((int) refusedAfterACheck);
    assertThat(audit)
        .containsPattern(
            "refused \\d+ more requests from 127\\.0\\.0\\.1 between .* \\(.*429 x\\d+");
    assertThat(audit).doesNotContain("guess-1", OPERATOR_PW);
  }

  @Test
  void aSaturatedApiAnswers503WhileThePeerLinkAndHealthStillAnswer() throws Exception {
    String olive = basic("olive", OPERATOR_PW);
    assertThat(get("/api/v1/status", olive).statusCode()).isEqualTo(200); // cached from now on
    runtime.holdDrill = new CountDownLatch(1);
    List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
    try {
      // one command takes the commands' reserve, two more every shared permit
      for (int i = 0; i < 3; i++) {
        slow.add(
            http.sendAsync(
                HttpRequest.newBuilder(base.resolve("/api/v1/commands/drill"))
                    .header("Authorization", olive)
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(40))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> runtime.commands.stream().filter("drill"::equals).count() >= 3);

      var busy = get("/api/v1/status", olive);
      assertThat(busy.statusCode()).isEqualTo(503);
      assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(get("/actuator/health", null).statusCode()).isEqualTo(200);
      var peer =
          http.send(
              HttpRequest.newBuilder(base.resolve("/peer/v1/report"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      // this server runs no agent: the peer link answers that at once, past the API's permits
      assertThat(peer.statusCode()).isEqualTo(503);
      assertThat(peer.body()).contains("runs no agent");
    } finally {
      runtime.holdDrill.countDown();
    }
    for (var f : slow) {
      assertThat(f.get().statusCode()).isEqualTo(202);
    }
  }
}
