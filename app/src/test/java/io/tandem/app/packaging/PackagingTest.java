package io.tandem.app.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.FakeClusterRuntime;
import io.tandem.app.server.TandemServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Supply chain and service hardening (issue 16.10): the jar carries a CycloneDX SBOM of what it
 * ships (and serves it), and the systemd units run as a dedicated user with the hardening the docs
 * promise, scored by {@code systemd-analyze security --offline=true} exactly as docs/operations.md
 * states.
 */
class PackagingTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final String SBOM = "META-INF/sbom/application.cdx.json";

  @Test
  void theJarCarriesACycloneDxSbomOfWhatItShips() throws IOException {
    JsonNode bom;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(SBOM)) {
      assertThat(in)
          .as(
              SBOM
                  + " is made by the CycloneDX plugin at generate-resources (it skips offline"
                  + " builds: build once without -o)")
          .isNotNull();
      bom = JsonMapper.shared().readTree(in);
    }
    assertThat(bom.path("bomFormat").asString()).isEqualTo("CycloneDX");
    assertThat(bom.path("metadata").path("component").path("name").asString())
        .isEqualTo("tandem-app");
    List<String> purls = new ArrayList<>();
    bom.path("components").forEach(c -> purls.add(c.path("purl").asString()));
    // one component from each module's world: web, SIP, DNS, AWS, Azure, etcd
    assertThat(purls)
        .anyMatch(p -> p.startsWith("pkg:maven/org.springframework.boot/spring-boot@"))
        .anyMatch(p -> p.startsWith("pkg:maven/javax.sip/jain-sip-ri@"))
        .anyMatch(p -> p.startsWith("pkg:maven/dnsjava/dnsjava@"))
        .anyMatch(p -> p.startsWith("pkg:maven/software.amazon.awssdk/ec2@"))
        .anyMatch(p -> p.startsWith("pkg:maven/com.azure/azure-core@"))
        .anyMatch(p -> p.startsWith("pkg:maven/io.etcd/jetcd-core@"))
        // test-scope libraries stay out (the testkit ships JUnit's API on purpose: the lab uses it)
        .noneMatch(p -> p.contains("/assertj-core@") || p.contains("/mockito-core@"));
  }

  @Test
  void theSbomIsServedToViewers(@TempDir Path dir) throws Exception {
    Map<String, Object> p = new HashMap<>();
    p.put("server.port", "0");
    p.put("server.address", "127.0.0.1");
    p.put("tandem.data-dir", dir.toString());
    p.put("tandem.security.users[0].name", "vic");
    p.put("tandem.security.users[0].role", "VIEWER");
    p.put("tandem.security.users[0].password", "viewer-password-123");
    try (ConfigurableApplicationContext ctx =
        TandemServer.start(p, Map.of("clusterRuntime", new FakeClusterRuntime()))) {
      URI url =
          URI.create(
              "http://127.0.0.1:"
                  + ctx.getEnvironment().getProperty("local.server.port")
                  + "/actuator/sbom/application");
      String viewer =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString("vic:viewer-password-123".getBytes(StandardCharsets.UTF_8));
      HttpClient http = HttpClient.newHttpClient();
      var r =
          http.send(
              HttpRequest.newBuilder(url).header("Authorization", viewer).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"bomFormat\"", "CycloneDX");
      assertThat(
              http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(401);
    }
  }

  @Test
  void theUnitsRunAsTheTandemUserWithTheDirectivesTheIssueNames() throws IOException {
    String agent = Files.readString(ROOT.resolve("packaging/systemd/tandem-agent.service"));
    String witness = Files.readString(ROOT.resolve("packaging/systemd/tandem-witness.service"));
    for (String unit : List.of(agent, witness)) {
      assertThat(unit)
          .containsPattern("(?m)^User=tandem$")
          .containsPattern("(?m)^NoNewPrivileges=yes$")
          .containsPattern("(?m)^ProtectSystem=strict$")
          .containsPattern("(?m)^UMask=0077$");
    }
    assertThat(agent)
        .containsPattern("(?m)^ReadWritePaths=/var/lib/tandem$")
        .containsPattern("(?m)^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW$")
        .containsPattern("(?m)^AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW$");
    assertThat(witness)
        .containsPattern("(?m)^ReadWritePaths=/var/lib/tandem-witness$")
        .containsPattern("(?m)^CapabilityBoundingSet=$");
  }

  @Test
  void systemdAnalyzeScoresTheUnitsAsDocumented() throws Exception {
    String docs = Files.readString(ROOT.resolve("docs/operations.md"));
    for (String unit : List.of("tandem-agent.service", "tandem-witness.service")) {
      Matcher documented =
          Pattern.compile("\\| `" + Pattern.quote(unit) + "` \\| (\\d+\\.\\d) ").matcher(docs);
      assertThat(documented.find()).as("docs/operations.md states the score of " + unit).isTrue();
      String out = analyze(ROOT.resolve("packaging/systemd/" + unit));
      Matcher measured =
          Pattern.compile("Overall exposure level for " + Pattern.quote(unit) + ": (\\d+\\.\\d)")
              .matcher(out);
      assertThat(measured.find()).as(out).isTrue();
      assertThat(measured.group(1)).as(unit).isEqualTo(documented.group(1));
      assertThat(out).as("systemd understands every directive").doesNotContain("Unknown key");
    }
  }

  /** {@code systemd-analyze security --offline=true}: parses the unit, needs no running systemd. */
  private static String analyze(Path unit) throws Exception {
    Process p;
    try {
      p =
          new ProcessBuilder(
                  "systemd-analyze", "security", "--offline=true", "--no-pager", unit.toString())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "systemd-analyze is missing: apt-get install systemd (scripts/install-peers does)", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  /**
   * Issue 18.8: every variable the environment files set is one the program reads (a name in the
   * agent's or witness's code), the unit passes on ({@code ${NAME}}), or the documented cluster
   * file references ({@code ${env:NAME}} in docs/operations.md). {@code
   * TANDEM_TLS_KEYSTORE_PASSWORD} was set while the agent read {@code TANDEM_KEYSTORE_PASSWORD}.
   */
  @Test
  void everyVariableTheEnvironmentFilesSetIsRead() throws IOException {
    StringBuilder code = new StringBuilder();
    try (var files = Files.walk(ROOT.resolve("app/src/main/java"))) {
      for (Path f : files.filter(x -> x.toString().endsWith(".java")).toList()) {
        code.append(Files.readString(f));
      }
    }
    String operations = Files.readString(ROOT.resolve("docs/operations.md"));
    for (String unit : List.of("agent", "witness")) {
      String env = Files.readString(ROOT.resolve("packaging/etc/" + unit + ".env.example"));
      String service =
          Files.readString(ROOT.resolve("packaging/systemd/tandem-" + unit + ".service"));
      Matcher m = Pattern.compile("(?m)^([A-Z][A-Z0-9_]*)=").matcher(env);
      int seen = 0;
      while (m.find()) {
        String name = m.group(1);
        seen++;
        boolean read =
            code.indexOf("\"" + name + "\"") >= 0
                || code.indexOf("env:" + name + "}") >= 0
                || service.contains("${" + name + "}")
                || operations.contains("${env:" + name + "}")
                || (name.startsWith("TANDEM_WITNESS_SECRET_")
                    && env.contains("${env:" + name + "}"));
        assertThat(read).as(unit + ".env.example sets " + name + ", which nothing reads").isTrue();
      }
      assertThat(seen).as(unit + ".env.example variables").isPositive();
    }
  }
}
