package io.tandem.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConflictException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.witness.FencingToken;
import io.tandem.core.witness.TicketRequest;
import io.tandem.sim.peer.AwsEmulatorPeer;
import io.tandem.testkit.AwsEmulator;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Instance;

/** Throttling, 5xx and denied permissions injected by a loopback proxy in front of the emulator. */
@AwsEmulator
class AwsFaultsTest {

  private static final String ZONE = "example.com.";
  private final ApiCallCounter counter = new ApiCallCounter();
  private FaultProxy proxy;
  private AwsClients aws;
  private String allocation;
  private Instance instance;
  private Route53Updater dns;
  private DynamoDbWitness witness;

  @BeforeEach
  void setUp(AwsEmulatorPeer peer) throws IOException {
    peer.reset();
    proxy = new FaultProxy(peer.endpoint());
    aws =
        AwsTestSupport.clients(peer, AwsTestSupport.site(proxy.endpoint(), peer.region()), counter);
    instance = AwsTestSupport.runInstance(aws.ec2(), AwsTestSupport.someImage(aws.ec2()));
    allocation = AwsTestSupport.allocateAddress(aws.ec2());
    String zoneId =
        aws.route53()
            .createHostedZone(r -> r.name(ZONE).callerReference("faults-" + System.nanoTime()))
            .hostedZone()
            .id();
    dns =
        new Route53Updater(
            aws.route53(),
            Route53Settings.builder()
                .hostedZone(ZONE, zoneId)
                .syncPollInterval(Duration.ofMillis(200))
                .build());
    DynamoDbWitness.createTable(aws.dynamoDb(), "tandem-witness", Duration.ofSeconds(30));
    witness = new DynamoDbWitness(aws, "tandem-witness", Duration.ofSeconds(2), Clock.systemUTC());
    counter.reset();
  }

  @AfterEach
  void tearDown() {
    aws.close();
    proxy.close();
  }

  private static final FencingToken TOKEN = new FencingToken("pbx", "a", 1);

  @Test
  void ec2ThrottlingIsRetriedByTheSdk() {
    var fault = proxy.failEc2("DescribeAddresses", 2, 400, "RequestLimitExceeded");
    assertThat(new ElasticIpMover(aws).observe(allocation).address()).isEqualTo(allocation);
    assertThat(fault.served()).hasValue(2);
    assertThat(counter.calls("Ec2.DescribeAddresses")).isEqualTo(1);
    assertThat(counter.attempts("Ec2.DescribeAddresses")).isEqualTo(3);
  }

  @Test
  void route53ThrottlingIsRetriedByTheSdk() {
    var fault = proxy.failRoute53("GET /2013-04-01/hostedzone/", 2, 400, "Throttling");
    assertThat(dns.observe(ZONE, "sip.example.com.", "A")).isEmpty();
    assertThat(fault.served()).hasValue(2);
    assertThat(counter.attempts("Route53.ListResourceRecordSets")).isEqualTo(3);
  }

  @Test
  void dynamoDb503IsRetriedByTheSdk() {
    var fault = proxy.failDynamoDb("UpdateItem", 2, 503, "ServiceUnavailable");
    assertThat(
            witness
                .acquire(TicketRequest.acquire("pbx", "a", true, Duration.ofSeconds(9)))
                .granted())
        .isTrue();
    assertThat(fault.served()).hasValue(2);
    assertThat(counter.attempts("DynamoDb.UpdateItem")).isEqualTo(3);
  }

  @Test
  void persistent5xxBecomesATransientErrorAfterTheSdksAttempts() {
    proxy.failEc2("DescribeAddresses", 100, 503, "Unavailable");
    assertThatThrownBy(() -> new ElasticIpMover(aws).observe(allocation))
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("ec2:DescribeAddresses");
    assertThat(counter.attempts("Ec2.DescribeAddresses")).isEqualTo(aws.site().maxAttempts());
  }

  @Test
  void aMissingEc2PermissionNamesTheIamAction() {
    proxy.failEc2("AssociateAddress", 1, 403, "UnauthorizedOperation");
    assertThatThrownBy(() -> new ElasticIpMover(aws).move(allocation, instance.instanceId(), TOKEN))
        .isInstanceOf(PermissionException.class)
        .hasMessageContaining("'ec2:AssociateAddress'")
        .hasMessageContaining("docs/aws-iam.md");
    assertThat(counter.attempts("Ec2.AssociateAddress")).isEqualTo(1);
  }

  @Test
  void aMissingRoute53PermissionNamesTheIamAction() {
    proxy.failRoute53("POST /2013-04-01/hostedzone/", 1, 403, "AccessDenied");
    DnsRecord a = new DnsRecord(ZONE, "sip.example.com.", "A", 60, List.of("203.0.113.10"));
    assertThatThrownBy(() -> dns.replace(Optional.empty(), a, TOKEN))
        .isInstanceOf(PermissionException.class)
        .hasMessageContaining("'route53:ChangeResourceRecordSets'");
  }

  @Test
  void aMissingDynamoDbPermissionNamesTheIamAction() {
    proxy.failDynamoDb("UpdateItem", 1, 400, "AccessDeniedException");
    assertThatThrownBy(
            () -> witness.acquire(TicketRequest.acquire("pbx", "a", true, Duration.ofSeconds(9))))
        .isInstanceOf(PermissionException.class)
        .hasMessageContaining("'dynamodb:UpdateItem'");
  }

  @Test
  void route53RejectingTheCompareAndSetBatchIsAConflict() {
    proxy.failRoute53("POST /2013-04-01/hostedzone/", 1, 400, "InvalidChangeBatch");
    DnsRecord a = new DnsRecord(ZONE, "sip.example.com.", "A", 60, List.of("203.0.113.10"));
    assertThatThrownBy(() -> dns.replace(Optional.empty(), a, TOKEN))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("changed concurrently");
  }
}
