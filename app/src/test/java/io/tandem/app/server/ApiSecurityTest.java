package io.tandem.app.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.app.FakeClusterRuntime;
import io.tandem.app.api.ClusterRuntime;
import io.tandem.app.security.InvalidSecurityConfigurationException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Roles on every endpoint, audit of every mutation, problem details, safe defaults. */
class ApiSecurityTest {

  static final String ADMIN_PW = "admin-password-123";
  static final String OPERATOR_PW = "operator-password-123";
  static final String VIEWER_PW = "viewer-password-123";
  static final String TOKEN = "tok-0123456789abcdefghijklmnop";

  @TempDir static Path dir;
  static ConfigurableApplicationContext ctx;
  static FakeClusterRuntime runtime;
  static URI base;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() {
    runtime = new FakeClusterRuntime();
    ctx = TandemServer.start(props(true), Map.of("clusterRuntime", runtime));
    int port = ctx.getEnvironment().getProperty("local.server.port", Integer.class);
    base = URI.create("http://127.0.0.1:" + port);
  }

  @AfterAll
  static void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  static Map<String, Object> props(boolean withUsers) {
    Map<String, Object> p = new HashMap<>();
    p.put("server.port", "0");
    p.put("server.address", "127.0.0.1");
    p.put("tandem.data-dir", dir.toString());
    if (withUsers) {
      p.put("tandem.security.users[0].name", "admin");
      p.put("tandem.security.users[0].role", "ADMIN");
      p.put("tandem.security.users[0].password", ADMIN_PW);
      p.put("tandem.security.users[1].name", "olive");
      p.put("tandem.security.users[1].role", "OPERATOR");
      p.put("tandem.security.users[1].password", OPERATOR_PW);
      p.put("tandem.security.users[2].name", "vic");
      p.put("tandem.security.users[2].role", "VIEWER");
      p.put("tandem.security.users[2].password", VIEWER_PW);
      p.put("tandem.security.tokens[0].name", "ci-bot");
      p.put("tandem.security.tokens[0].role", "OPERATOR");
      p.put("tandem.security.tokens[0].token", TOKEN);
    }
    return p;
  }

  static HttpResponse<String> call(String method, String path, String auth, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    if (body != null) {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String basic(String user, String pw) {
    return "Basic "
        + Base64.getEncoder().encodeToString((user + ":" + pw).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void anonymousIsRejectedButHealthIsOpen() throws Exception {
    assertThat(call("GET", "/api/v1/status", null, null).statusCode()).isEqualTo(401);
    assertThat(call("GET", "/actuator/health", null, null).statusCode()).isEqualTo(200);
  }

  /** Issue 18.8: the console URL without a session is the login page, not an empty console. */
  @Test
  void theConsoleWithoutASessionIsTheLoginPage() throws Exception {
    for (String page : new String[] {"/", "/index.html"}) {
      var r =
          http.send(
              HttpRequest.newBuilder(base.resolve(page))
                  .header("Accept", "text/html,application/xhtml+xml")
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(page).isEqualTo(302);
      assertThat(r.headers().firstValue("Location"))
          .as(page)
          .hasValueSatisfying(l -> assertThat(l).endsWith("/login"));
    }
    var viewer = call("GET", "/", basic("vic", VIEWER_PW), null);
    assertThat(viewer.statusCode()).isEqualTo(200);
    assertThat(viewer.body()).contains("btn-switchover");
    // the console's script and style load before login (the login page does not use them)
    assertThat(call("GET", "/console/console.js", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void viewerReadsButCannotAct() throws Exception {
    var status = call("GET", "/api/v1/status", basic("vic", VIEWER_PW), null);
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(JsonMapper.shared().readTree(status.body()).path("activeSite").asString())
        .isNotBlank();
    var sw =
        call(
            "POST",
            "/api/v1/commands/switchover",
            basic("vic", VIEWER_PW),
            "{\"target\":\"site-b\"}");
    assertThat(sw.statusCode()).isEqualTo(403);
    assertThat(call("GET", "/api/v1/audit", basic("vic", VIEWER_PW), null).statusCode())
        .isEqualTo(403);
  }

  @Test
  void wrongPasswordIsRejected() throws Exception {
    assertThat(call("GET", "/api/v1/status", basic("vic", "nope-nope-nope"), null).statusCode())
        .isEqualTo(401);
    assertThat(call("GET", "/api/v1/status", "Bearer not-a-token", null).statusCode())
        .isEqualTo(401);
  }

  @Test
  void operatorActsAndEveryMutationIsAudited() throws Exception {
    var sw =
        call(
            "POST",
            "/api/v1/commands/maintenance",
            basic("olive", OPERATOR_PW),
            "{\"site\":\"site-b\",\"on\":true}");
    assertThat(sw.statusCode()).isEqualTo(202);
    var refused = call("POST", "/api/v1/commands/runs/run-9/abort", "Bearer " + TOKEN, null);
    assertThat(refused.statusCode()).isEqualTo(409);
    JsonNode audit =
        JsonMapper.shared()
            .readTree(call("GET", "/api/v1/audit", basic("olive", OPERATOR_PW), null).body());
    assertThat(audit.toString())
        .contains("\"actor\":\"olive\"", "\"action\":\"maintenance-on\"", "\"result\":\"accepted\"")
        .contains(
            "\"actor\":\"token:ci-bot\"", "\"action\":\"abort-run\"", "\"result\":\"refused\"");
    assertThat(Files.readString(dir.resolve("audit.jsonl"))).doesNotContain(OPERATOR_PW, TOKEN);
  }

  @Test
  void forceAcquireNeedsAdminAndTheExactAcknowledgement() throws Exception {
    String body =
        "{\"site\":\"site-b\",\"acknowledgement\":\""
            + ClusterRuntime.FORCE_ACKNOWLEDGEMENT
            + "\"}";
    assertThat(
            call("POST", "/api/v1/commands/force-acquire", basic("olive", OPERATOR_PW), body)
                .statusCode())
        .isEqualTo(403);
    assertThat(
            call("POST", "/api/v1/commands/force-acquire", basic("admin", ADMIN_PW), body)
                .statusCode())
        .isEqualTo(202);
    var wrong =
        call(
            "POST",
            "/api/v1/commands/force-acquire",
            basic("admin", ADMIN_PW),
            "{\"site\":\"site-b\",\"acknowledgement\":\"yes\"}");
    assertThat(wrong.statusCode()).isEqualTo(409);
  }

  @Test
  void invalidBodiesAreProblemDetails() throws Exception {
    var resp =
        call(
            "POST",
            "/api/v1/commands/switchover",
            basic("olive", OPERATOR_PW),
            "{\"target\":\"\"}");
    assertThat(resp.statusCode()).isEqualTo(400);
    assertThat(resp.headers().firstValue("Content-Type"))
        .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
    var limit = call("GET", "/api/v1/decisions?limit=0", basic("vic", VIEWER_PW), null);
    assertThat(limit.statusCode()).isEqualTo(400);
    assertThat(limit.body()).contains("limit: expected 1..1000");
  }

  @Test
  void openApiDescribesTheApi() throws Exception {
    var doc = call("GET", "/v3/api-docs", null, null);
    assertThat(doc.statusCode()).isEqualTo(200);
    assertThat(doc.body()).contains("/api/v1/status", "/api/v1/commands/switchover");
  }

  @Test
  void refusesToStartWithoutCredentials() {
    assertThatThrownBy(() -> TandemServer.start(props(false), Map.of("clusterRuntime", runtime)))
        .rootCause()
        .isInstanceOf(InvalidSecurityConfigurationException.class)
        .hasMessageContaining("refusing to start without credentials");
  }

  @Test
  void refusesAnEmptyPassword() {
    Map<String, Object> p = props(false);
    p.put("tandem.security.users[0].name", "admin");
    p.put("tandem.security.users[0].role", "ADMIN");
    p.put("tandem.security.users[0].password", "");
    assertThatThrownBy(() -> TandemServer.start(p, Map.of("clusterRuntime", runtime)))
        .rootCause()
        .hasMessageContaining("tandem.security.users[0].password: empty");
  }
}
