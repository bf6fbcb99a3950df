package io.tandem.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.ExitCodes;
import io.tandem.sim.peer.AwsEmulatorPeer;
import io.tandem.testkit.AwsEmulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * {@code tandem witness init} against the AWS emulator. The command takes its credentials from the
 * SDK's default chain, so the emulator's static test keys are given as the {@code aws.*} system
 * properties (the first source of that chain) for the duration of the class.
 */
@AwsEmulator
@ResourceLock("java.lang.System.properties")
class WitnessInitCommandTest {

  private final AwsEmulatorPeer aws;

  WitnessInitCommandTest(AwsEmulatorPeer aws) {
    this.aws = aws;
  }

  @BeforeAll
  static void credentials(AwsEmulatorPeer aws) {
    System.setProperty("aws.accessKeyId", aws.accessKeyId());
    System.setProperty("aws.secretAccessKey", aws.secretAccessKey());
  }

  @AfterAll
  static void clearCredentials() {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  record Run(int code, String out, String err) {}

  private Run init(String table) {
    return run(
        "witness",
        "init",
        "--dynamodb-table",
        table,
        "--region",
        aws.region(),
        "--endpoint",
        aws.endpoint().toString(),
        "--timeout",
        "20s");
  }

  private static Run run(String... args) {
    PrintStream oldOut = System.out;
    var out = new ByteArrayOutputStream();
    var err = new StringWriter();
    var cl = TandemCommand.commandLine();
    cl.setErr(new PrintWriter(err, true));
    int code;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      code = cl.execute(args);
    } finally {
      System.setOut(oldOut);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
  }

  private DynamoDbClient dynamo() {
    return DynamoDbClient.builder()
        .region(Region.of(aws.region()))
        .endpointOverride(aws.endpoint())
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(aws.accessKeyId(), aws.secretAccessKey())))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  @Test
  void createsTheTableAndAcceptsItOnTheSecondRun() {
    Run first = init("tandem-witness-init");
    assertThat(first.code()).as(first.err()).isEqualTo(ExitCodes.OK);
    assertThat(first.out()).contains("witness table tandem-witness-init", "ACTIVE");

    try (DynamoDbClient dynamo = dynamo()) {
      TableDescription t = dynamo.describeTable(r -> r.tableName("tandem-witness-init")).table();
      assertThat(t.keySchema())
          .singleElement()
          .satisfies(
              k -> {
                assertThat(k.attributeName()).isEqualTo("cluster");
                assertThat(k.keyType()).isEqualTo(KeyType.HASH);
              });
      assertThat(t.attributeDefinitions())
          .anySatisfy(
              a -> {
                assertThat(a.attributeName()).isEqualTo("cluster");
                assertThat(a.attributeType()).isEqualTo(ScalarAttributeType.S);
              });
    }

    Run again = init("tandem-witness-init");
    assertThat(again.code()).as(again.err()).isEqualTo(ExitCodes.OK);
  }

  @Test
  void aTableWithAnotherKeyIsAClearErrorAndLeftAlone() {
    try (DynamoDbClient dynamo = dynamo()) {
      createTable(dynamo, "tandem-wrong-key", "id", ScalarAttributeType.S);
      createTable(dynamo, "tandem-wrong-type", "cluster", ScalarAttributeType.N);
    }
    Run wrongKey = init("tandem-wrong-key");
    assertThat(wrongKey.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(wrongKey.err()).contains("tandem-wrong-key", "different key", "'cluster'");

    Run wrongType = init("tandem-wrong-type");
    assertThat(wrongType.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(wrongType.err()).contains("tandem-wrong-type", "of type N", "expected S");

    try (DynamoDbClient dynamo = dynamo()) {
      assertThat(
              dynamo
                  .describeTable(r -> r.tableName("tandem-wrong-key"))
                  .table()
                  .keySchema()
                  .getFirst()
                  .attributeName())
          .isEqualTo("id");
    }
  }

  @Test
  void usageErrorsExitWithTwo() {
    Run noRegion = run("witness", "init", "--dynamodb-table", "t");
    assertThat(noRegion.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(noRegion.err()).contains("--region");

    Run badRegion = run("witness", "init", "--dynamodb-table", "t", "--region", "Mars");
    assertThat(badRegion.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(badRegion.err()).contains("region");

    Run serveWithoutConfig = run("witness", "--listen", "127.0.0.1:0");
    assertThat(serveWithoutConfig.code()).isEqualTo(ExitCodes.INVALID);
    assertThat(serveWithoutConfig.err()).contains("--config");
  }

  private static void createTable(
      DynamoDbClient dynamo, String name, String key, ScalarAttributeType type) {
    dynamo.createTable(
        r ->
            r.tableName(name)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName(key).attributeType(type))
                .keySchema(k -> k.attributeName(key).keyType(KeyType.HASH)));
  }
}
