package io.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.sim.peer.AwsEmulatorPeer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Address;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.InstanceType;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.ChangeStatus;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;

@AwsEmulator
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AwsEmulatorPeerTest {

  private Ec2Client ec2;
  private Route53Client route53;
  private DynamoDbClient dynamo;

  @BeforeAll
  void clients(AwsEmulatorPeer aws) {
    var credentials =
        StaticCredentialsProvider.create(
            AwsBasicCredentials.create(aws.accessKeyId(), aws.secretAccessKey()));
    ec2 =
        Ec2Client.builder()
            .endpointOverride(aws.endpoint())
            .region(Region.of(aws.region()))
            .credentialsProvider(credentials)
            .httpClient(UrlConnectionHttpClient.create())
            .build();
    route53 =
        Route53Client.builder()
            .endpointOverride(aws.endpoint())
            .region(Region.AWS_GLOBAL)
            .credentialsProvider(credentials)
            .httpClient(UrlConnectionHttpClient.create())
            .build();
    dynamo =
        DynamoDbClient.builder()
            .endpointOverride(aws.endpoint())
            .region(Region.of(aws.region()))
            .credentialsProvider(credentials)
            .httpClient(UrlConnectionHttpClient.create())
            .build();
  }

  @AfterAll
  void close() {
    ec2.close();
    route53.close();
    dynamo.close();
  }

  private String runInstance(String name) {
    String ami = ec2.describeImages(r -> r.owners("amazon")).images().get(0).imageId();
    return ec2.runInstances(
            r ->
                r.imageId(ami)
                    .instanceType(InstanceType.T3_MICRO)
                    .minCount(1)
                    .maxCount(1)
                    .tagSpecifications(
                        TagSpecification.builder()
                            .resourceType(ResourceType.INSTANCE)
                            .tags(Tag.builder().key("Name").value(name).build())
                            .build()))
        .instances()
        .get(0)
        .instanceId();
  }

  private Address address(String allocationId) {
    return ec2.describeAddresses(r -> r.allocationIds(allocationId)).addresses().get(0);
  }

  @Test
  void anElasticIpMovesBetweenTwoInstancesOnlyWithReassociation() {
    String primary = runInstance("pbx-a");
    String standby = runInstance("pbx-b");
    String allocation =
        ec2.allocateAddress(
                r ->
                    r.domain("vpc")
                        .tagSpecifications(
                            TagSpecification.builder()
                                .resourceType(ResourceType.ELASTIC_IP)
                                .tags(Tag.builder().key("tandem:epoch").value("1").build())
                                .build()))
            .allocationId();
    ec2.associateAddress(r -> r.allocationId(allocation).instanceId(primary));
    assertThat(address(allocation).instanceId()).isEqualTo(primary);

    assertThatThrownBy(
            () ->
                ec2.associateAddress(
                    r -> r.allocationId(allocation).instanceId(standby).allowReassociation(false)))
        .isInstanceOf(Ec2Exception.class);

    ec2.associateAddress(
        r -> r.allocationId(allocation).instanceId(standby).allowReassociation(true));
    ec2.createTags(
        r -> r.resources(allocation).tags(Tag.builder().key("tandem:epoch").value("2").build()));

    Address moved = address(allocation);
    assertThat(moved.instanceId()).isEqualTo(standby);
    assertThat(moved.tags()).contains(Tag.builder().key("tandem:epoch").value("2").build());
  }

  @Test
  void aRoute53ChangeReachesInsync() {
    String zoneId =
        route53
            .createHostedZone(
                r -> r.name("tandem.test.").callerReference("ref-" + System.nanoTime()))
            .hostedZone()
            .id();
    Change upsert =
        Change.builder()
            .action(ChangeAction.UPSERT)
            .resourceRecordSet(
                s ->
                    s.name("sip.tandem.test.")
                        .type(RRType.A)
                        .ttl(60L)
                        .resourceRecords(ResourceRecord.builder().value("198.51.100.20").build()))
            .build();

    String changeId =
        route53
            .changeResourceRecordSets(
                r -> r.hostedZoneId(zoneId).changeBatch(b -> b.changes(upsert)))
            .changeInfo()
            .id();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> route53.getChange(r -> r.id(changeId)).changeInfo().status(),
            status -> status == ChangeStatus.INSYNC);
    assertThat(
            route53
                .listResourceRecordSets(r -> r.hostedZoneId(zoneId))
                .resourceRecordSets()
                .stream()
                .filter(s -> s.name().equals("sip.tandem.test.") && s.type() == RRType.A)
                .flatMap(s -> s.resourceRecords().stream())
                .map(rr -> rr.value()))
        .containsExactly("198.51.100.20");
  }

  private void createTicketTable(String table) {
    dynamo.createTable(
        r ->
            r.tableName(table)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                    AttributeDefinition.builder()
                        .attributeName("pk")
                        .attributeType(ScalarAttributeType.S)
                        .build())
                .keySchema(
                    KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build()));
  }

  @Test
  void aConditionalDynamoDbWriteLosesToAConcurrentOne() throws Exception {
    createTicketTable("tickets");
    int writers = 4;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        String site = "site-" + i;
        Callable<Boolean> write =
            () -> {
              go.await(5, TimeUnit.SECONDS);
              try {
                dynamo.putItem(
                    r ->
                        r.tableName("tickets")
                            .item(
                                Map.of(
                                    "pk", AttributeValue.fromS("active"),
                                    "holder", AttributeValue.fromS(site),
                                    "epoch", AttributeValue.fromN("1")))
                            .conditionExpression("attribute_not_exists(pk)"));
                return true;
              } catch (ConditionalCheckFailedException lost) {
                return false;
              }
            };
        results.add(pool.submit(write));
      }
      go.countDown();
      List<Boolean> won = new ArrayList<>();
      for (Future<Boolean> result : results) {
        won.add(result.get(30, TimeUnit.SECONDS));
      }
      assertThat(won).containsOnlyOnce(true).hasSize(writers);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void resetClearsTheEmulatedState(AwsEmulatorPeer aws) {
    createTicketTable("to-be-reset");
    assertThat(dynamo.listTables().tableNames()).contains("to-be-reset");

    aws.reset();

    assertThatThrownBy(() -> dynamo.describeTable(r -> r.tableName("to-be-reset")))
        .isInstanceOf(ResourceNotFoundException.class);
    assertThat(aws.engine()).isNotNull();
  }
}
