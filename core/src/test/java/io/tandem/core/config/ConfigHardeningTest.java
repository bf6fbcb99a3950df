package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config file means what it says (issue 16.4): YAML aliases resolve to their anchor's value,
 * several documents, odd encodings and binary files are refused at a position, timings have floors
 * so that an accepted file can serve, and messages stay readable whatever the file holds.
 */
class ConfigHardeningTest {

  static final String BASE = read(BrokenConfigsTest.DIR.resolve("valid-minimal.yaml"));
  private final ClusterConfigLoader loader = new ClusterConfigLoader();

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<String> problems(String yaml) {
    InvalidConfigException e =
        catchThrowableOfType(
            InvalidConfigException.class, () -> loader.parse(yaml, "cluster.yaml"));
    assertThat(e).as("must not load").isNotNull();
    return e.problems().stream().map(ConfigProblem::format).toList();
  }

  // ---- YAML features ----

  @Test
  void aliasesResolveToTheAnchorsValueNotItsName() {
    String yaml =
        BASE.replaceFirst("user: tandem", "user: &amiuser tandem-ami")
            .replaceFirst("(?s)(- name: beta.*?)user: tandem", "$1user: *amiuser")
            .replaceFirst("priority: 1\n", "priority: 1\n    region: &c lab-east\n")
            .replaceFirst("priority: 2\n", "priority: 2\n    region: *c\n");
    ClusterConfig c = loader.parse(yaml, "cluster.yaml");
    assertThat(c.sites().get(1).pbx().user()).hasValue("tandem-ami");
    assertThat(c.sites().get(1).region()).hasValue("lab-east");
  }

  @Test
  void anAliasOfAMappingIsTheWholeMapping() {
    String yaml =
        BASE.replaceFirst("    pbx:\n", "    pbx: &pbx\n")
            .replaceFirst(
                "(?s)(- name: beta.*?)    pbx:\n      type: asterisk\n      host: 127.0.0.2\n"
                    + "      user: tandem\n      secret: \\$\\{env:AMI_SECRET}\n",
                "$1    pbx: *pbx\n");
    ClusterConfig c = loader.parse(yaml, "cluster.yaml");
    assertThat(c.sites().get(1).pbx().host()).isEqualTo("127.0.0.1");
  }

  @Test
  void mergeKeysAreRefusedWhereTheyAreWritten() {
    String yaml =
        BASE.replaceFirst("    pbx:\n", "    pbx: &pbx\n")
            .replaceFirst(
                "(?s)(- name: beta.*?)    pbx:\n      type: asterisk\n",
                "$1    pbx:\n      <<: *pbx\n      type: asterisk\n");
    assertThat(problems(yaml))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("cluster.yaml:18:7: sites[1].pbx.<<: merge keys (<<) are not")
                    .contains("write the keys out"));
  }

  @Test
  void anAliasBombIsRefusedAtItsLine() {
    StringBuilder b = new StringBuilder(BASE).append("notes:\n");
    b.append("  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 9; i++) {
      b.append("  l").append(i).append(": &l").append(i).append(" [");
      for (int j = 0; j < 10; j++) {
        b.append(j == 0 ? "" : ", ").append("*l").append(i - 1);
      }
      b.append("]\n");
    }
    assertThat(problems(b.toString()))
        .anySatisfy(
            p ->
                assertThat(p)
                    .matches(
                        "cluster\\.yaml:4\\d:\\d+: notes\\.l\\d.*: .*aliases expand to more than .*"));
  }

  @Test
  void aSecondDocumentIsRefused() {
    int lines = BASE.split("\n", -1).length;
    assertThat(problems(BASE + "---\ncluster: other\n"))
        .containsExactly(
            "cluster.yaml:"
                + lines
                + ":1: a second YAML document: expected one document per file (the"
                + " rest would be ignored)");
  }

  // ---- cross-field rules ----

  @Test
  void awsCredentialsInAnotherRegionThanTheSiteAreRefused() {
    String yaml =
        read(ExampleConfigsTest.EXAMPLES.resolve("onprem-aws-backup.yaml"))
            .replace(
                "role/tandem-agent\", region: eu-central-1 }",
                "role/tandem-agent\", region: us-east-1 }");
    assertThat(problems(yaml))
        .singleElement()
        .satisfies(
            p ->
                assertThat(p)
                    .contains(
                        "sites[1].credentials.aws.region: expected eu-central-1, the region of"
                            + " site")
                    .contains("found us-east-1"));
  }

  @Test
  void aSiteLevelErrorDoesNotAlsoMakeItsWitnessSecretUnknown() {
    String yaml =
        BASE.replace("priority: 2", "priority: second")
            .replace(
                "endpoints: [ \"http://127.0.0.1:7443\" ]",
                "endpoints: [ \"http://127.0.0.1:7443\" ]\n  siteSecrets:\n"
                    + "    alpha: ${env:W_ALPHA}\n    beta: ${env:W_BETA}");
    assertThat(problems(yaml))
        .containsExactly(
            "cluster.yaml:15:15: sites[1].priority: expected a whole number, found" + " 'second'");
  }

  // ---- timing floors: an accepted file must be able to serve ----

  @Test
  void timingsHaveFloors() {
    String yaml =
        BASE
            + "timings:\n  tick: 20ms\n  retryTimeout: 10ms\n  ticketTtl: 400ms\n"
            + "  renewInterval: 200ms\n  witnessGrace: 100ms\n  driftMargin: 10ms\n"
            + "  fenceLead: 20ms\n";
    assertThat(problems(yaml))
        .contains(
            "cluster.yaml:38:3: timings.tick: expected at least 50ms, found 20ms: a shorter tick"
                + " spends the agent's time deciding instead of acting",
            "cluster.yaml:39:3: timings.retryTimeout: expected at least 100ms, found 10ms: a"
                + " witness call cannot complete in less",
            "cluster.yaml:40:3: timings.ticketTtl: expected at least 500ms (the built-in witness"
                + " grants no shorter ticket), found 400ms");
  }

  @Test
  void anAzureBlobLeaseBoundsTheTicket() {
    String yaml =
        read(ExampleConfigsTest.EXAMPLES.resolve("aws-azure.yaml"))
            .replace("ticketTtl: 12s", "ticketTtl: 90s");
    assertThat(problems(yaml))
        .singleElement()
        .satisfies(
            p ->
                assertThat(p)
                    .endsWith(
                        "timings.ticketTtl: expected at most 1m with an azure-blob witness (a blob"
                            + " lease lasts 15 s to 60 s; renewals every ticketTtl / 3 would come"
                            + " after the lease ended), found 1m30s"));
  }

  // ---- encodings and odd files ----

  @Test
  void utf16IsNamedAndPlaced(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("cluster.yaml");
    byte[] body = BASE.getBytes(StandardCharsets.UTF_16LE);
    byte[] withBom = new byte[body.length + 2];
    withBom[0] = (byte) 0xFF;
    withBom[1] = (byte) 0xFE;
    System.arraycopy(body, 0, withBom, 2, body.length);
    Files.write(f, withBom);
    assertThat(problems(f))
        .containsExactly(
            f
                + ":1:1: the file is UTF-16 (it starts with the byte order mark FF FE): expected"
                + " UTF-8; save it as UTF-8");
  }

  @Test
  void invalidUtf8IsPlacedAtItsLineAndColumn(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("cluster.yaml");
    byte[] good = BASE.replace("name: beta", "name: bXta").getBytes(StandardCharsets.UTF_8);
    int at = new String(good, StandardCharsets.ISO_8859_1).indexOf("bXta") + 1;
    good[at] = (byte) 0xE9; // Latin-1 é
    Files.write(f, good);
    assertThat(problems(f))
        .containsExactly(
            f + ":13:12: not valid UTF-8 (byte 0xE9 at offset " + at + "): save the file as UTF-8");
  }

  @Test
  void aBinaryFileIsNotReadAsYaml(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("cluster.yaml");
    Files.write(f, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0});
    assertThat(problems(f))
        .containsExactly(f + ":1:8: not a text file (a NUL byte at offset 7): expected YAML text");
  }

  @Test
  void deepNestingIsPlaced() {
    String deep = BASE + "notes: " + "[".repeat(2000) + "]".repeat(2000) + "\n";
    assertThat(problems(deep))
        .singleElement()
        .satisfies(
            p -> assertThat(p).matches("cluster\\.yaml:37:\\d+: .*nest.*deeper than \\d+.*"));
  }

  // ---- readable messages ----

  @Test
  void bidirectionalControlsAreEscapedAndLongValuesCut() {
    String yaml =
        BASE.replace("kind: onprem\n    priority: 2", "kind: \"on\u202Eprem\"\n    priority: 2")
            .replace("zone: example.test.", "zone: example.test.\n    ttl: " + "9".repeat(5000));
    List<String> p = problems(yaml);
    assertThat(String.join("\n", p)).doesNotContain("\u202E").contains("\\u202E");
    assertThat(p).allSatisfy(line -> assertThat(line.length()).isLessThan(700));
  }

  private List<String> problems(Path file) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> loader.load(file));
    assertThat(e).as("must not load").isNotNull();
    assertThat(e).isInstanceOf(InvalidConfigException.class);
    return ((InvalidConfigException) e).problems().stream().map(ConfigProblem::format).toList();
  }
}
