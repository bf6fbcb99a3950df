package io.tandem.aws;

import io.tandem.aws.internal.AwsCalls;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.TransientException;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbWaiter;

/** Creates (or checks) the DynamoDB witness table: partition key {@code cluster} (S). */
final class WitnessTable {

  private WitnessTable() {}

  static void create(DynamoDbClient dynamo, String table, Duration timeout) {
    AwsCalls aws = new AwsCalls("(client region)");
    try {
      dynamo.createTable(
          r ->
              r.tableName(table)
                  .attributeDefinitions(
                      AttributeDefinition.builder()
                          .attributeName(DynamoDbWitness.CLUSTER)
                          .attributeType(ScalarAttributeType.S)
                          .build())
                  .keySchema(
                      KeySchemaElement.builder()
                          .attributeName(DynamoDbWitness.CLUSTER)
                          .keyType(KeyType.HASH)
                          .build())
                  .billingMode(BillingMode.PAY_PER_REQUEST)
                  // Losing the table would reset every cluster's epoch.
                  .deletionProtectionEnabled(true));
    } catch (ResourceInUseException exists) {
      TableDescription existing =
          aws.call(
                  "dynamodb:DescribeTable",
                  "table " + table,
                  () -> dynamo.describeTable(r -> r.tableName(table)))
              .table();
      List<KeySchemaElement> key = existing.keySchema();
      if (key.size() != 1 || !DynamoDbWitness.CLUSTER.equals(key.getFirst().attributeName())) {
        throw new ConfigException(
            "witness table "
                + table
                + " exists with a different key "
                + key
                + ": expected only partition key 'cluster' (S)",
            exists);
      }
    } catch (SdkException e) {
      throw aws.translate("dynamodb:CreateTable", "table " + table, e);
    }
    try (DynamoDbWaiter waiter =
        DynamoDbWaiter.builder()
            .client(dynamo)
            .overrideConfiguration(
                WaiterOverrideConfiguration.builder().waitTimeout(timeout).build())
            .build()) {
      waiter.waitUntilTableExists(r -> r.tableName(table));
    } catch (SdkException e) {
      throw new TransientException(
          "witness table " + table + " not ACTIVE within " + timeout.toSeconds() + " s", e);
    }
  }
}
