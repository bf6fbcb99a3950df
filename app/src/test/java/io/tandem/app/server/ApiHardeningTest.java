package io.tandem.app.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.FakeClusterRuntime;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hostile input at the API, as the server that {@code tandem agent} starts sees it: strict request
 * binding, problem details for refusals, bounded request bodies on every listener path, and CSRF
 * protection tied to the console session.
 */
class ApiHardeningTest {

  @TempDir static Path dir;
  static ConfigurableApplicationContext ctx;
  static FakeClusterRuntime runtime;
  static URI base;
  static int port;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() {
    runtime = new FakeClusterRuntime();
    ctx = TandemServer.start(props(dir), Map.of("clusterRuntime", runtime));
    port = ctx.getEnvironment().getProperty("local.server.port", Integer.class);
    base = URI.create("http://127.0.0.1:" + port);
  }

  @AfterAll
  static void stop() {
    if (ctx != null) {
      ctx.close();
    }
  }

  /** The same users as {@link ApiSecurityTest}, with this class's data directory. */
  static Map<String, Object> props(Path dataDir) {
    Map<String, Object> p = new java.util.HashMap<>();
    p.put("server.port", "0");
    p.put("server.address", "127.0.0.1");
    p.put("tandem.data-dir", dataDir.toString());
    String[][] users = {
      {"admin", "ADMIN", ApiSecurityTest.ADMIN_PW},
      {"olive", "OPERATOR", ApiSecurityTest.OPERATOR_PW},
      {"vic", "VIEWER", ApiSecurityTest.VIEWER_PW}
    };
    for (int i = 0; i < users.length; i++) {
      p.put("tandem.security.users[" + i + "].name", users[i][0]);
      p.put("tandem.security.users[" + i + "].role", users[i][1]);
      p.put("tandem.security.users[" + i + "].password", users[i][2]);
    }
    p.put("tandem.security.tokens[0].name", "ci-bot");
    p.put("tandem.security.tokens[0].role", "OPERATOR");
    p.put("tandem.security.tokens[0].token", ApiSecurityTest.TOKEN);
    return p;
  }

  static final String OPERATOR = ApiSecurityTest.basic("olive", ApiSecurityTest.OPERATOR_PW);

  static HttpResponse<String> post(String path, String auth, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String abbrev(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "… (" + s.length() + " characters)";
  }

  static void assertProblem(HttpResponse<String> r, int status) {
    assertThat(r.statusCode()).as(abbrev(r.body())).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
    JsonNode p = JsonMapper.shared().readTree(r.body());
    assertThat(p.path("status").asInt()).isEqualTo(status);
    assertThat(p.path("title").asString()).isNotBlank();
  }

  // ---- strict binding (16.7) ----

  @Test
  void aNumberIsNotABoolean() throws Exception {
    int before = runtime.commands.size();
    var r = post("/api/v1/commands/maintenance", OPERATOR, "{\"site\":\"site-b\",\"on\":2}");
    assertProblem(r, 400);
    assertThat(runtime.commands.size()).isEqualTo(before);
  }

  @Test
  void aNumberIsNotASiteName() throws Exception {
    int before = runtime.commands.size();
    assertProblem(post("/api/v1/commands/switchover", OPERATOR, "{\"target\":123}"), 400);
    assertProblem(post("/api/v1/commands/switchover", OPERATOR, "{\"target\":true}"), 400);
    assertThat(runtime.commands.size()).isEqualTo(before);
  }

  @Test
  void unknownPropertiesAreErrorsAndAMissingSwitchIsNotOff() throws Exception {
    int before = runtime.commands.size();
    var unknown =
        post(
            "/api/v1/commands/maintenance",
            OPERATOR,
            "{\"site\":\"site-b\",\"on\":true,\"force\":true}");
    assertProblem(unknown, 400);
    assertThat(unknown.body()).contains("force");
    assertProblem(post("/api/v1/commands/maintenance", OPERATOR, "{\"site\":\"site-b\"}"), 400);
    assertThat(runtime.commands.size()).isEqualTo(before);
  }

  @Test
  void refusalsByTheSecurityLayerAreProblemDetails() throws Exception {
    var anonymous =
        http.send(
            HttpRequest.newBuilder(base.resolve("/api/v1/status")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertProblem(anonymous, 401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();
    var wrongPassword =
        http.send(
            HttpRequest.newBuilder(base.resolve("/api/v1/status"))
                .header("Authorization", ApiSecurityTest.basic("vic", "wrong-password-x"))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertProblem(wrongPassword, 401);
    var unknownToken =
        http.send(
            HttpRequest.newBuilder(base.resolve("/api/v1/status"))
                .header("Authorization", "Bearer not-a-token-at-all-0000000")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertProblem(unknownToken, 401);
    var viewer =
        post(
            "/api/v1/commands/switchover",
            ApiSecurityTest.basic("vic", ApiSecurityTest.VIEWER_PW),
            "{\"target\":\"site-b\"}");
    assertProblem(viewer, 403);
  }

  // ---- bounded bodies (16.2) ----

  /** Sends only the head of a huge request; the answer must come before the body is sent. */
  static String headOnly(String path, long contentLength) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + "Authorization: "
                  + OPERATOR
                  + "\r\nContent-Length: "
                  + contentLength
                  + "\r\n\r\n{\"target\":\"")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      int n = in.read(buf); // times out (test fails) if the server waits for the body
      return new String(buf, 0, Math.max(n, 0), StandardCharsets.UTF_8);
    }
  }

  @Test
  void anOversizedBodyIsRefusedBeforeItIsRead() throws Exception {
    for (String path :
        List.of(
            "/peer/v1/report",
            "/api/v1/commands/switchover",
            "/witness/v1/clusters/c1/acquire",
            "/login")) {
      String answer = headOnly(path, 200L * 1024 * 1024);
      assertThat(answer).as(path).startsWith("HTTP/1.1 413");
      assertThat(answer).as(path).contains("application/problem+json");
    }
  }

  @Test
  void anOversizedChunkedBodyIsRefusedToo() throws Exception {
    byte[] big = new byte[2 * 1024 * 1024];
    java.util.Arrays.fill(big, (byte) 'x');
    var r =
        http.send(
            HttpRequest.newBuilder(base.resolve("/api/v1/commands/switchover"))
                .header("Authorization", OPERATOR)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertProblem(r, 413);
  }

  @Test
  void aLongValueIsNeitherEchoedNorAudited() throws Exception {
    String huge = "x".repeat(40_000);
    var r = post("/api/v1/commands/switchover", OPERATOR, "{\"target\":\"" + huge + "\"}");
    assertProblem(r, 400);
    assertThat(r.body().length()).isLessThan(2_000);
    Path audit = dir.resolve("audit.jsonl");
    if (Files.exists(audit)) {
      assertThat(Files.readString(audit)).doesNotContain("x".repeat(300));
    }
  }

  // ---- refusals are audited, the audit chain verifies (16.3) ----

  @Test
  void everyRefusalIsAuditedAndTheChainVerifies() throws Exception {
    http.send(
        HttpRequest.newBuilder(base.resolve("/api/v1/status"))
            .header("Authorization", ApiSecurityTest.basic("mallory", "guessing-password"))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.discarding());
    post(
        "/api/v1/commands/switchover",
        ApiSecurityTest.basic("vic", ApiSecurityTest.VIEWER_PW),
        "{\"target\":\"site-b\"}");
    post("/api/v1/commands/maintenance", OPERATOR, "{\"site\":\"site-b\",\"on\":\"yes\"}");
    headOnly("/api/v1/commands/drill", 10_000_000);

    String audit = Files.readString(dir.resolve("audit.jsonl"));
    assertThat(audit)
        .contains(
            "\"actor\":\"claimed:mallory\",\"action\":\"GET /api/v1/status\"",
            "\"result\":\"refused\",\"detail\":\"401 wrong user name or password")
        .contains(
            "\"actor\":\"vic\",\"action\":\"POST /api/v1/commands/switchover\"",
            "\"detail\":\"403 your role may not do this")
        .contains(
            "\"actor\":\"olive\",\"action\":\"POST /api/v1/commands/maintenance\"",
            "\"detail\":\"400 on: expected true or false")
        .contains("\"action\":\"POST /api/v1/commands/drill\"", "\"detail\":\"413 body too large")
        .doesNotContain("guessing-password", ApiSecurityTest.OPERATOR_PW);

    var verify =
        http.send(
            HttpRequest.newBuilder(base.resolve("/api/v1/audit/verify"))
                .header("Authorization", OPERATOR)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(verify.statusCode()).isEqualTo(200);
    JsonNode v = JsonMapper.shared().readTree(verify.body());
    assertThat(v.path("ok").asBoolean()).as(verify.body()).isTrue();
    assertThat(v.path("entries").asLong()).isGreaterThanOrEqualTo(4);
    assertThat(verify.body()).doesNotContain(dir.toString());
  }

  // ---- CSRF tied to the session (16.6) ----

  /** A browser: keeps cookies, logs in through the form like the console. */
  record Browser(HttpClient client, CookieManager cookies) {
    static Browser loggedIn(String user, String password) throws Exception {
      CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
      HttpClient c =
          HttpClient.newBuilder()
              .cookieHandler(cookies)
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      var page =
          c.send(
              HttpRequest.newBuilder(base.resolve("/login")).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      Matcher m = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(page.body());
      assertThat(m.find()).as(page.body()).isTrue();
      String form =
          "username="
              + URLEncoder.encode(user, StandardCharsets.UTF_8)
              + "&password="
              + URLEncoder.encode(password, StandardCharsets.UTF_8)
              + "&_csrf="
              + URLEncoder.encode(m.group(1), StandardCharsets.UTF_8);
      var login =
          c.send(
              HttpRequest.newBuilder(base.resolve("/login"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString(form))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(login.statusCode()).as(login.body()).isEqualTo(302);
      assertThat(login.headers().firstValue("Location").orElse("")).doesNotContain("error");
      Browser b = new Browser(c, cookies);
      // the console's first call: loads the CSRF cookie for its JavaScript
      assertThat(b.get("/api/v1/me").statusCode()).isEqualTo(200);
      return b;
    }

    HttpResponse<String> get(String path) throws Exception {
      return client.send(
          HttpRequest.newBuilder(base.resolve(path)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    }

    String cookie(String name) {
      return cookies.getCookieStore().getCookies().stream()
          .filter(c -> c.getName().equals(name))
          .map(HttpCookie::getValue)
          .findFirst()
          .orElse(null);
    }

    HttpResponse<String> post(String path, String body, Map<String, String> headers)
        throws Exception {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(base.resolve(path))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body));
      headers.forEach(b::header);
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  @Test
  void theSessionCookieIsStrictAndHttpOnly() throws Exception {
    CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    HttpClient c = HttpClient.newBuilder().cookieHandler(cookies).build();
    var page =
        c.send(
            HttpRequest.newBuilder(base.resolve("/login")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    Matcher m = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(page.body());
    assertThat(m.find()).isTrue();
    var login =
        c.send(
            HttpRequest.newBuilder(base.resolve("/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "username=olive&password="
                            + ApiSecurityTest.OPERATOR_PW
                            + "&_csrf="
                            + URLEncoder.encode(m.group(1), StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    List<String> setCookies = login.headers().allValues("Set-Cookie");
    assertThat(setCookies)
        .filteredOn(h -> h.startsWith("JSESSIONID="))
        .singleElement()
        .satisfies(
            h -> assertThat(h.toLowerCase()).contains("samesite=strict").contains("httponly"));
  }

  @Test
  void theConsoleActsWithItsSessionsToken() throws Exception {
    Browser b = Browser.loggedIn("olive", ApiSecurityTest.OPERATOR_PW);
    String token = b.cookie("XSRF-TOKEN");
    assertThat(token).isNotBlank();
    var ok =
        b.post(
            "/api/v1/commands/maintenance",
            "{\"site\":\"site-b\",\"on\":true}",
            Map.of("X-XSRF-TOKEN", token));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    var none =
        b.post("/api/v1/commands/maintenance", "{\"site\":\"site-b\",\"on\":true}", Map.of());
    assertProblem(none, 403);
  }

  @Test
  void aTokenPlantedInACookieIsNotTheSessionsToken() throws Exception {
    Browser b = Browser.loggedIn("olive", ApiSecurityTest.OPERATOR_PW);
    String session = b.cookie("JSESSIONID");
    // an attacker who can set a cookie for the host (a sibling subdomain, a plain-HTTP hop)
    // plants its own token and sends the same value in the header: double-submit alone accepts it
    var forged =
        http.send(
            HttpRequest.newBuilder(base.resolve("/api/v1/commands/maintenance"))
                .header("Content-Type", "application/json")
                .header("Cookie", "JSESSIONID=" + session + "; XSRF-TOKEN=planted-by-attacker")
                .header("X-XSRF-TOKEN", "planted-by-attacker")
                .POST(HttpRequest.BodyPublishers.ofString("{\"site\":\"site-b\",\"on\":true}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertProblem(forged, 403);
  }

  @Test
  void anAuthorizationHeaderDoesNotTurnCsrfOffForABrowser() throws Exception {
    Browser b = Browser.loggedIn("olive", ApiSecurityTest.OPERATOR_PW);
    int before = runtime.commands.size();
    // a cross-site form post from a browser that remembers basic credentials for this host
    var crossSite =
        b.post(
            "/api/v1/commands/maintenance",
            "{\"site\":\"site-b\",\"on\":true}",
            Map.of(
                "Authorization",
                OPERATOR,
                "Origin",
                "https://evil.example",
                "Sec-Fetch-Site",
                "cross-site"));
    assertProblem(crossSite, 403);
    var junkHeader =
        b.post(
            "/api/v1/commands/maintenance",
            "{\"site\":\"site-b\",\"on\":true}",
            Map.of("Authorization", "Negotiate abc"));
    assertThat(junkHeader.statusCode()).isIn(401, 403);
    assertThat(runtime.commands.size()).isEqualTo(before);
    // a script (no cookies, no Origin) with basic credentials needs no CSRF token
    assertThat(
            post("/api/v1/commands/maintenance", OPERATOR, "{\"site\":\"site-b\",\"on\":true}")
                .statusCode())
        .isEqualTo(202);
  }
}
