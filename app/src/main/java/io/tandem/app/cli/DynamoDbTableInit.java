package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import io.tandem.aws.AwsClients;
import io.tandem.aws.AwsSite;
import io.tandem.aws.DynamoDbWitness;
import java.time.Duration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * The AWS SDK side of {@link WitnessInitCommand}, kept out of the command class so that the SDK is
 * loaded only when {@code tandem witness init} runs (picocli reflects on every command class).
 */
final class DynamoDbTableInit {

  private DynamoDbTableInit() {}

  /** Creates (or accepts) the table and prints its state; the exit code. */
  static int create(AwsSite site, String table, String region, Duration wait) {
    try (AwsClients aws = AwsClients.create(site)) {
      DynamoDbWitness.createTable(aws.dynamoDb(), table, wait);
      TableDescription t = aws.dynamoDb().describeTable(r -> r.tableName(table)).table();
      requireStringKey(t, table);
      System.out.println(
          "witness table "
              + table
              + " in "
              + region
              + " is "
              + t.tableStatusAsString()
              + " (partition key 'cluster' S)");
      return ExitCodes.OK;
    } catch (SdkException e) {
      throw new CliException(
          "table " + table + " in " + region + ": " + e.getMessage(), ExitCodes.UNREACHABLE);
    }
  }

  /** The witness writes the cluster name as a string; a numeric key would refuse every write. */
  private static void requireStringKey(TableDescription t, String table) {
    String type =
        t.attributeDefinitions().stream()
            .filter(a -> a.attributeName().equals("cluster"))
            .map(AttributeDefinition::attributeType)
            .map(ScalarAttributeType::toString)
            .findFirst()
            .orElse("missing");
    if (!type.equals("S")) {
      throw new CliException(
          "witness table "
              + table
              + " exists with partition key 'cluster' of type "
              + type
              + ": expected S (string); use another table name or recreate it",
          ExitCodes.INVALID);
    }
  }
}
