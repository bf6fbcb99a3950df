package io.tandem.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.ExitCodes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code tandem validate} on the documented examples (valid) and core's broken configs. */
class ValidateCommandTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path EXAMPLES = ROOT.resolve("docs/examples");
  static final Path BROKEN = ROOT.resolve("core/src/test/resources/config/broken");

  record Run(int code, String out, String err) {}

  static Run validate(String... args) {
    CommandLine cl = TandemCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    String[] all = Stream.concat(Stream.of("validate"), Stream.of(args)).toArray(String[]::new);
    int code = cl.execute(all);
    return new Run(code, out.toString(), err.toString());
  }

  static List<Path> examples() throws IOException {
    try (Stream<Path> s = Files.list(EXAMPLES)) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  @ParameterizedTest
  @MethodSource("examples")
  void everyDocumentedExampleIsValidAndSummarised(Path example) throws IOException {
    Run r = validate(example.toString());

    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
    String cluster =
        Files.readAllLines(example).stream()
            .filter(l -> l.startsWith("cluster:"))
            .findFirst()
            .orElseThrow()
            .substring("cluster:".length())
            .strip();
    assertThat(r.out())
        .startsWith(example + ": valid. Cluster " + cluster + " has ")
        .contains("witness ", "DNS records", "trunks", "timings: tick ");
  }

  @ParameterizedTest
  @CsvSource({
    "missing-field, 17:5: sites[1].pbx.host: missing",
    "wrong-type, 15:15: sites[1].priority: expected a whole number",
    "unknown-field, sites[1].managmentAddress: unknown field (did you mean managementAddress?)",
    "unknown-site-kind, 14:11: sites[1].kind: expected one of [onprem, aws, azure]",
    "bad-duration, 35:9: timings.tick: expected a duration",
    "timing-invariant, 35:3: timings.ticketTtl: expected ",
    "sensor-timeout, sites[1].sensors[0].timeout:",
    "duplicate-site, 13:5: sites[1].name: expected a unique site name",
    "duplicate-priority, sites[1].priority: expected a priority distinct",
    "one-site, 3:1: sites: expected at least two sites",
    "dns-value-missing, dns[0].values: missing",
    "cross-region-eip, 24:9: sites[1].serviceAddresses[0].allocationId: Elastic IPs are regional",
    "inline-secret, 12:15: sites[0].pbx.secret: expected a secret reference",
    "not-yaml, not valid YAML",
    "several-errors, dns[0].type: expected one of [A, AAAA, CNAME, SRV]",
  })
  void everyBrokenConfigExitsTwoNamingTheFieldWithoutAStackTrace(String name, String expected) {
    Path file = BROKEN.resolve(name + ".yaml");
    Run r = validate(file.toString());

    assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(r.err()).contains(file + ":").contains(expected).contains(": invalid (");
    assertThat(r.err() + r.out()).doesNotContain("Exception", "\tat ", "hunter2");
  }

  static List<Path> broken() throws IOException {
    try (Stream<Path> s = Files.list(BROKEN)) {
      return s.filter(p -> p.toString().endsWith(".yaml"))
          .filter(p -> !p.getFileName().toString().equals("unresolvable-secret.yaml"))
          .sorted()
          .toList();
    }
  }

  @ParameterizedTest
  @MethodSource("broken")
  void everyBrokenConfigIsRefusedWithLocatedProblems(Path file) {
    Run r = validate(file.toString());

    assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(r.err().lines().filter(l -> l.startsWith(file + ":")))
        .isNotEmpty()
        .allMatch(l -> l.matches(".*\\.yaml(:\\d+(:\\d+)?)?: .+"));
    assertThat(r.err() + r.out()).doesNotContain("Exception", "\tat ");
  }

  @Test
  void severalProblemsAreAllListedOnePerLine() {
    Run r = validate(BROKEN.resolve("several-errors.yaml").toString());

    assertThat(r.err().lines().filter(l -> l.matches(".*several-errors\\.yaml:\\d+:\\d+: .*")))
        .hasSize(3);
    assertThat(r.err()).contains("invalid (3 problems)");
  }

  @Test
  void unresolvableSecretIsFoundWhenAskedAndNamesTheFieldNotTheValue() {
    Path file = BROKEN.resolve("unresolvable-secret.yaml");
    assertThat(validate(file.toString()).code()).isEqualTo(ExitCodes.OK);

    Run r = validate("--resolve-secrets", file.toString());

    assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(r.err())
        .containsPattern(
            "unresolvable-secret\\.yaml:3\\d:\\d+: dns\\[0]\\.rfc2136\\.tsigSecret: secret"
                + " \\$\\{file:/nonexistent/tandem/tsig.key} ?: file /nonexistent/tandem/tsig.key"
                + " not found");
  }

  @Test
  void withASiteOnlyTheSecretsThatSitesAgentResolvesAreChecked() {
    // none of loopback.yaml's variables is set in the test's environment
    String example = EXAMPLES.resolve("loopback.yaml").toString();

    Run all = validate("--resolve-secrets", example);
    Run alpha = validate("--resolve-secrets", "--site", "alpha", example);

    assertThat(all.err()).contains("witness.siteSecrets.alpha:", "witness.siteSecrets.beta:");
    assertThat(alpha.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(alpha.err())
        .contains("witness.siteSecrets.alpha: secret ${env:TANDEM_WITNESS_SECRET_ALPHA}")
        .contains("sites[0].pbx.secret:", "dns[0].rfc2136.tsigSecret:", "trunks[0].secret:")
        .doesNotContain("witness.siteSecrets.beta", "sites[1].pbx.secret");
  }

  @Test
  void jsonOutputListsProblemsWithPositionsAndASummaryWhenValid() {
    Run bad = validate("--output", "json", BROKEN.resolve("wrong-type.yaml").toString());
    JsonNode b = JsonMapper.shared().readTree(bad.out());
    assertThat(bad.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(b.path("valid").asBoolean()).isFalse();
    JsonNode p = b.path("problems").get(0);
    assertThat(p.path("line").asInt()).isEqualTo(15);
    assertThat(p.path("column").asInt()).isEqualTo(15);
    assertThat(p.path("field").asString()).isEqualTo("sites[1].priority");
    assertThat(p.path("expected").asString()).startsWith("expected a whole number");

    Run good = validate("-o", "json", EXAMPLES.resolve("other-city.yaml").toString());
    JsonNode g = JsonMapper.shared().readTree(good.out());
    assertThat(good.code()).isEqualTo(ExitCodes.OK);
    assertThat(g.path("summary").path("cluster").asString()).isEqualTo("pbx-city");
    assertThat(g.path("summary").path("sites").get(0).path("name").asString()).isEqualTo("berlin");
    assertThat(g.path("summary").path("witness").asString()).startsWith("etcd at https://");
    assertThat(g.path("summary").path("trunks").get(0).asString()).isEqualTo("carrier-a");
    assertThat(g.path("summary").path("timings").path("ticketTtl").asString()).isEqualTo("PT15S");
  }

  @Test
  void aSensorTheAgentCannotBuildIsAProblemPlacedInTheFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("cluster.yaml");
    Files.writeString(
        file,
        Files.readString(EXAMPLES.resolve("loopback.yaml"))
            .replace(
                "{ name: disk, kind: disk-space, weight: 1, interval: 30s, timeout: 5s }",
                "{ name: disk, kind: disk-space, params: { path: / } }")
            .replace("kind: ami-ping, critical: true }\n\ndns", "kind: ami-pong }\n\ndns"));

    Run r = validate(file.toString());

    // the agent refuses to start with these: validate must not call the file valid
    assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(r.err())
        .containsPattern(
            "(?m)^.*cluster\\.yaml:19:\\d+: sites\\[0]\\.sensors\\[2]\\.params: .*path")
        .containsPattern(
            "(?m)^.*cluster\\.yaml:29:\\d+: sites\\[1]\\.sensors\\[1]\\.kind: expected a sensor"
                + " kind, one of \\[.*ami-ping.*], found 'ami-pong'")
        .doesNotContain("warning:")
        .contains("invalid (2 problems)");
    assertThat(validate(EXAMPLES.resolve("loopback.yaml").toString()).err()).isEmpty();
  }

  @Test
  void aWitnessSecretShorterThanTheWitnessAcceptsIsRefusedWhenResolved(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("cluster.yaml");
    Files.writeString(dir.resolve("alpha.secret"), "short-secret\n");
    Files.writeString(dir.resolve("beta.secret"), "a-long-enough-witness-secret\n");
    Files.writeString(
        file,
        Files.readString(EXAMPLES.resolve("loopback.yaml"))
            .replace("${env:TANDEM_WITNESS_SECRET_ALPHA}", "${file:alpha.secret}")
            .replace("${env:TANDEM_WITNESS_SECRET_BETA}", "${file:beta.secret}"));

    Run r = validate("--resolve-secrets", file.toString());
    // the line of alpha's secret in the example as it is now (it moves when the example changes)
    int line =
        1
            + (int)
                Files.readString(file).lines().takeWhile(l -> !l.contains("alpha.secret")).count();

    assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(r.err())
        .containsPattern(
            "cluster\\.yaml:"
                + line
                + ":\\d+: witness\\.siteSecrets\\.alpha: expected at least 16"
                + " characters \\(the witness refuses shorter secrets\\), found 12; the value is not"
                + " shown")
        .doesNotContain("witness.siteSecrets.beta", "short-secret");
  }

  @Test
  void outputIsCappedAtAHundredProblemsAndSaysHowManyMore(@TempDir Path dir) throws IOException {
    StringBuilder b = new StringBuilder(Files.readString(EXAMPLES.resolve("loopback.yaml")));
    for (int i = 0; i < 150; i++) {
      b.append("extra").append(i).append(": ").append("v".repeat(400)).append("\n");
    }
    Path file = dir.resolve("cluster.yaml");
    Files.writeString(file, b.toString());

    Run r = validate(file.toString());

    assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
    List<String> lines = r.err().lines().toList();
    assertThat(lines).hasSize(102);
    assertThat(lines.get(100)).isEqualTo("... and 50 more problems");
    assertThat(lines.get(101)).isEqualTo(file + ": invalid (150 problems)");
    assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThan(700));

    JsonNode json = JsonMapper.shared().readTree(validate("-o", "json", file.toString()).out());
    assertThat(json.path("problems").size()).isEqualTo(100);
    assertThat(json.path("moreProblems").asInt()).isEqualTo(50);
  }

  @Test
  void aUtf16FileIsNamedOnceWithAPosition(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("cluster.yaml");
    byte[] text =
        Files.readString(EXAMPLES.resolve("loopback.yaml"))
            .getBytes(java.nio.charset.StandardCharsets.UTF_16);
    Files.write(file, text);

    Run r = validate(file.toString());

    assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(r.err().lines().findFirst().orElseThrow())
        .isEqualTo(
            file
                + ":1:1: the file is UTF-16 (it starts with the byte order mark FE FF): expected"
                + " UTF-8; save it as UTF-8");
  }

  @Test
  void aMissingFileIsAProblemNotACrash(@TempDir Path dir) {
    Run r = validate(dir.resolve("nope.yaml").toString());

    assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(r.err().lines().findFirst().orElseThrow())
        .isEqualTo(dir.resolve("nope.yaml") + ": file not found");
  }
}
