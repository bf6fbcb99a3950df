package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tandem.core.error.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Each file under {@code config/broken} changes one thing in {@code config/valid-minimal.yaml} (or,
 * for several-errors, three); each test states the exact problems the loader must report: line,
 * column, field path and what was expected.
 */
class BrokenConfigsTest {

  static final Path DIR = Path.of("src", "test", "resources", "config");
  private final ClusterConfigLoader loader = new ClusterConfigLoader();

  @Test
  void theBaseOfTheBrokenConfigsIsValid() {
    assertThat(loader.load(DIR.resolve("valid-minimal.yaml")).sites()).hasSize(2);
  }

  @Test
  void missingField() {
    assertProblems(
        "missing-field",
        "17:5: sites[1].pbx.host: missing: expected the PBX management host, e.g. 127.0.0.1");
  }

  @Test
  void wrongType() {
    assertProblems(
        "wrong-type", "15:15: sites[1].priority: expected a whole number, found 'second'");
  }

  @Test
  void unknownFieldWithSuggestion() {
    assertProblems(
        "unknown-field",
        "16:5: sites[1].managmentAddress: unknown field (did you mean managementAddress?);"
            + " expected one of [name, kind, priority, region, managementAddress, pbx,"
            + " serviceAddresses, sensors, fencing, credentials]");
  }

  @Test
  void misspeltEnumValue() {
    assertProblems(
        "unknown-site-kind",
        "14:11: sites[1].kind: expected one of [onprem, aws, azure], found 'on-prem'"
            + " (did you mean onprem?)");
  }

  @Test
  void bareNumberIsNotADuration() {
    assertProblems(
        "bad-duration",
        "35:9: timings.tick: expected a duration such as 500ms, 3s, 2m or 1h, found the number 5"
            + " (a bare number has no unit: write 5s or 5ms)");
  }

  @Test
  void timingInvariantPatroniRule() {
    assertProblems(
        "timing-invariant",
        "35:3: timings.ticketTtl: expected renewInterval + 2 * retryTimeout + fenceLead +"
            + " driftMargin <= ticketTtl (300ms + 2 * 3s + 300ms + 100ms = 6s700ms > 6s): a renewal"
            + " that fails twice must still leave time to fence before the ticket ends; raise"
            + " ticketTtl or lower retryTimeout");
  }

  @Test
  void sensorTimeoutMustBeShorterThanInterval() {
    assertProblems(
        "sensor-timeout",
        "26:9: sites[1].sensors[0].timeout: expected the timeout (2s) to be shorter than the"
            + " interval (2s), so that a hung reading ends before the next one is due");
  }

  @Test
  void duplicateSiteName() {
    assertProblems(
        "duplicate-site",
        "13:5: sites[1].name: expected a unique site name; alpha is already sites[0]",
        "29:7: dns[0].values.beta: expected a configured site name; sites are [alpha]");
  }

  @Test
  void duplicatePriority() {
    assertProblems(
        "duplicate-priority",
        "15:5: sites[1].priority: expected a priority distinct from every other site's; 1 is"
            + " already used by site alpha");
  }

  @Test
  void atLeastTwoSites() {
    assertProblems(
        "one-site",
        "3:1: sites: expected at least two sites (one to serve, one to take over), found 1");
  }

  @Test
  void dnsValueForEverySite() {
    assertProblems(
        "dns-value-missing",
        "27:5: dns[0].values: missing: expected a value for site beta (every site needs one, so"
            + " it can follow whichever site is active)");
  }

  @Test
  void elasticIpAcrossRegionsPointsToDns() {
    assertProblems(
        "cross-region-eip",
        "24:9: sites[1].serviceAddresses[0].allocationId: Elastic IPs are regional: site dublin"
            + " is in eu-west-1, site virginia in us-east-1; move the service between regions"
            + " with a DNS record instead");
  }

  @Test
  void virtualIpAcrossLocations() {
    assertProblems(
        "vip-across-regions",
        "21:34: sites[1].serviceAddresses[0].address: a virtual IP moves only within one L2"
            + " network: site alpha is at berlin, site beta at hamburg; give both sites the same"
            + " region, or move the service with a DNS record");
  }

  @Test
  void elasticIpOnAnOnPremisesSite() {
    assertProblems(
        "eip-on-onprem-site",
        "17:9: sites[1].serviceAddresses[0].kind: expected an address this onprem site can hold:"
            + " an Elastic IP attaches only to AWS instances; move it with a DNS record");
  }

  @Test
  void trunkContactForEverySiteAndOnlyForSites() {
    assertProblems(
        "trunk-contact-missing",
        "39:5: trunks[0].contacts: missing: expected a contact URI for site beta (every site"
            + " needs one, so it can follow whichever site is active)",
        "41:7: trunks[0].contacts.betta: expected a configured site name (did you mean beta?);"
            + " sites are [alpha, beta]");
  }

  @Test
  void witnessSettingOfAnotherKind() {
    assertProblems(
        "witness-setting-of-other-kind",
        "37:3: witness.table: unknown field here: table is a setting of a dynamodb witness;"
            + " expected one of [kind, endpoints, user, password, keyPrefix]");
  }

  @Test
  void remoteBuiltInWitnessNeedsASecretPerSite() {
    assertProblems(
        "witness-site-secrets",
        "38:3: witness.siteSecrets: missing: expected a secret for site beta (each site proves"
            + " its identity to the witness with its own)",
        "40:12: witness.siteSecrets.gamma: expected a secret reference such as ${env:NAME} or"
            + " ${file:/path}; inline secrets are not accepted (the value is not shown)");
  }

  @Test
  void aRemoteWitnessOverPlainHttpIsRefused() {
    assertProblems(
        "witness-cleartext",
        "37:41: witness.endpoints[1]: expected an https:// URL beyond loopback, was"
            + " http://10.0.0.5:7443: the site's witness secret would cross the network in"
            + " cleartext (the witness itself refuses to listen beyond loopback without TLS)");
  }

  @Test
  void keepRunningWithoutWitnessExcludesTheFailsafe() {
    assertProblems(
        "failsafe-conflict",
        "35:3: policies.keepRunningWithoutWitness: expected at most one of"
            + " keepRunningWithoutWitness and witnessOutageFailsafe: keepRunningWithoutWitness"
            + " serves without the peers' confirmations and so overrides the failsafe");
  }

  @Test
  void inlineSecretIsRefusedWithoutEchoingIt() {
    InvalidConfigException e = failure("inline-secret");
    assertThat(e.problems())
        .extracting(BrokenConfigsTest::located)
        .containsExactly(
            "12:15: sites[0].pbx.secret: expected a secret reference such as ${env:NAME} or"
                + " ${file:/path}; inline secrets are not accepted (the value is not shown)");
    assertThat(e.getMessage()).doesNotContain("hunter2");
  }

  @Test
  void unresolvableSecretFailsAtUseNamingTheReferenceOnly() {
    ClusterConfig c = loader.load(broken("unresolvable-secret"));
    SecretRef tsig = c.dns().get(0).rfc2136().orElseThrow().tsigSecret();
    SecretRef ami = c.sites().get(0).pbx().secret();
    SecretResolver resolver = SecretResolver.of(Map.of("OTHER", "s3cr3t-value"));

    assertThatThrownBy(() -> resolver.resolve(tsig))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "secret ${file:/nonexistent/tandem/tsig.key}: file /nonexistent/tandem/tsig.key not"
                + " found");
    assertThatThrownBy(() -> resolver.resolve(ami))
        .isInstanceOf(ConfigException.class)
        .hasMessage("secret ${env:AMI_SECRET}: environment variable AMI_SECRET is not set")
        .message()
        .doesNotContain("s3cr3t");
  }

  @Test
  void yamlSyntaxErrorIsLocated() {
    assertProblems(
        "not-yaml",
        "36:39: not valid YAML: while parsing a flow sequence; expected ',' or ']', but got"
            + " <stream end>");
  }

  @Test
  void severalErrorsAreReportedTogetherInFileOrder() {
    InvalidConfigException e = failure("several-errors");
    assertThat(e.problems())
        .extracting(BrokenConfigsTest::located)
        .containsExactly(
            "15:15: sites[1].priority: expected a whole number, found 'second'",
            "26:11: dns[0].type: expected one of [A, AAAA, CNAME, SRV], found 'MX'",
            "36:3: witness.endpoint: unknown field (did you mean endpoints?); expected one of"
                + " [kind, endpoints, siteSecrets, listen, dataDir]");
    assertThat(e.getMessage())
        .startsWith("3 problems in configuration:\n  " + DIR.resolve("broken/several-errors.yaml"))
        .doesNotContain("Exception", "\tat ");
    assertThat(e.getStackTrace()).isEmpty();
  }

  @Test
  void everyBrokenFileHasATest() throws Exception {
    try (Stream<Path> files = Files.list(DIR.resolve("broken"))) {
      assertThat(files.map(p -> p.getFileName().toString().replace(".yaml", "")))
          .hasSize(23)
          .allSatisfy(name -> assertThat(sourceMentions(name)).as(name).isTrue());
    }
  }

  private static boolean sourceMentions(String name) {
    try {
      return Files.readString(Path.of("src/test/java/io/tandem/core/config/BrokenConfigsTest.java"))
          .contains("\"" + name + "\"");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private InvalidConfigException failure(String name) {
    Path file = broken(name);
    InvalidConfigException e =
        catchThrowableOfType(InvalidConfigException.class, () -> loader.load(file));
    assertThat(e).as("%s must not load", file).isNotNull();
    assertThat(e.problems()).allSatisfy(p -> assertThat(p.file()).isEqualTo(file.toString()));
    return e;
  }

  private static Path broken(String name) {
    return DIR.resolve("broken").resolve(name + ".yaml");
  }

  private void assertProblems(String name, String... expected) {
    assertThat(failure(name).problems())
        .extracting(BrokenConfigsTest::located)
        .containsExactly(expected);
  }

  private static String located(ConfigProblem p) {
    return p.line()
        + ":"
        + p.column()
        + ": "
        + (p.path().isEmpty() ? "" : p.path() + ": ")
        + p.expected();
  }
}
