package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 17.1, the {@code fast} profile (ADR 0007): a ticket shorter than a second is for the
 * built-in witness only. etcd leases count whole seconds, a DynamoDB ticket is a lease by
 * observation over a cloud API, and an Azure Blob lease lasts at least 15 s: with them a sub-second
 * TTL is refused at load, with the reason.
 */
class SubSecondTicketTest {

  private final ClusterConfigLoader loader = new ClusterConfigLoader();

  /** The {@code fast} profile written out, as an operator would. */
  static final String FAST =
      "timings:\n  tick: 50ms\n  ticketTtl: 500ms\n  renewInterval: 100ms\n"
          + "  witnessGrace: 100ms\n  driftMargin: 25ms\n  retryTimeout: 100ms\n"
          + "  fenceLead: 100ms\n";

  private static String withWitness(String witness) {
    return ConfigHardeningTest.BASE.replace(
            "witness:\n  kind: builtin\n  endpoints: [ \"http://127.0.0.1:7443\" ]\n", witness)
        + FAST;
  }

  private List<String> problems(String yaml) {
    InvalidConfigException e =
        catchThrowableOfType(
            InvalidConfigException.class, () -> loader.parse(yaml, "cluster.yaml"));
    assertThat(e).as("must not load").isNotNull();
    return e.problems().stream().map(ConfigProblem::format).toList();
  }

  @Test
  void theBuiltInWitnessTakesAHalfSecondTicket() {
    ClusterConfig c = loader.parse(ConfigHardeningTest.BASE + FAST, "cluster.yaml");
    assertThat(c.timings()).isEqualTo(Timings.fast());
    assertThat(c.timings().ticketTtl()).isEqualTo(Duration.ofMillis(500));
  }

  /** The profile as docs/configuration.md prints it loads as {@link Timings#fast()}. */
  @Test
  void theDocumentedFastProfileIsTimingsFast() throws java.io.IOException {
    String page = Files.readString(Path.of("..", "docs", "configuration.md"));
    int at = page.indexOf("The `fast` profile");
    assertThat(at).as("the fast profile's paragraph in docs/configuration.md").isPositive();
    int from = page.indexOf("```yaml\n", at) + "```yaml\n".length();
    String block = page.substring(from, page.indexOf("```", from));
    ClusterConfig c = loader.parse(ConfigHardeningTest.BASE + block, "cluster.yaml");
    assertThat(c.timings()).isEqualTo(Timings.fast());
  }

  /**
   * {@code scripts/bench-failover}'s {@code fast} profile (bench/failover/tandem.py's table, a
   * Python dict that is also a YAML flow mapping) is {@link Timings#fast()}: what the benchmark
   * measures from outside is what the product ships.
   */
  @Test
  void theBenchmarkedFastProfileIsTimingsFast() throws java.io.IOException {
    String bench = Files.readString(Path.of("..", "bench", "failover", "tandem.py"));
    int at = bench.indexOf("\n    \"fast\": {");
    assertThat(at).as("the fast profile in bench/failover/tandem.py").isPositive();
    int from = bench.indexOf('{', at);
    String block = bench.substring(from, bench.indexOf('}', from) + 1);
    ClusterConfig c = loader.parse(ConfigHardeningTest.BASE + "timings: " + block, "cluster.yaml");
    assertThat(c.timings()).isEqualTo(Timings.fast());
  }

  @Test
  void etcdRefusesASubSecondTicketAndSaysWhy() {
    String yaml =
        withWitness(
            "witness:\n  kind: etcd\n  endpoints: [ \"http://127.0.0.1:2379\" ]\n"
                + "  keyPrefix: /tandem/\n");
    assertThat(problems(yaml))
        .singleElement()
        .satisfies(
            p ->
                assertThat(p)
                    .endsWith(
                        "timings.ticketTtl: expected at least 1s with an etcd witness (etcd"
                            + " leases count whole seconds; a ticket under a second needs the"
                            + " built-in witness), found 500ms"));
  }

  @Test
  void dynamoDbRefusesASubSecondTicketAndSaysWhy() {
    String yaml =
        withWitness(
            "witness:\n  kind: dynamodb\n  table: tandem-witness\n"
                + "  aws: { region: eu-west-1 }\n");
    assertThat(problems(yaml))
        .singleElement()
        .satisfies(
            p ->
                assertThat(p)
                    .endsWith(
                        "timings.ticketTtl: expected at least 1s with a dynamodb witness (a"
                            + " lease by observation: each renewal and each look is a call to"
                            + " the DynamoDB API, whose retries alone take longer; a ticket under"
                            + " a second needs the built-in witness), found 500ms"));
  }

  @Test
  void azureBlobRefusesASubSecondTicketAndSaysWhy() {
    String yaml =
        withWitness(
            "witness:\n  kind: azure-blob\n  endpoint: https://w.blob.core.windows.net\n"
                + "  container: tandem\n  blob: ticket\n  sasToken: \"${env:WITNESS_SAS}\"\n");
    assertThat(problems(yaml))
        .singleElement()
        .satisfies(
            p ->
                assertThat(p)
                    .endsWith(
                        "timings.ticketTtl: expected at least 1s with an azure-blob witness (a"
                            + " blob lease lasts at least 15 s and a renewal is a call to the"
                            + " storage API; a ticket under a second needs the built-in"
                            + " witness), found 500ms"));
  }

  @Test
  void noWitnessTakesATicketUnderItsFloor() {
    assertThat(
            problems(
                ConfigHardeningTest.BASE
                    + FAST.replace("ticketTtl: 500ms", "ticketTtl: 400ms")
                        .replace("renewInterval: 100ms", "renewInterval: 50ms")))
        .contains(
            "cluster.yaml:39:3: timings.ticketTtl: expected at least 500ms (the built-in"
                + " witness grants no shorter ticket), found 400ms");
  }
}
