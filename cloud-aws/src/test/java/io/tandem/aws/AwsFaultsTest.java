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
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.RRType;

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
  private String zoneId;
  private DynamoDbWitness witness;

  @BeforeEach
  void setUp(AwsEmulatorPeer peer) throws IOException {
    peer.reset();
    proxy = new FaultProxy(peer.endpoint());
    aws =
        AwsTestSupport.clients(peer, AwsTestSupport.site(proxy.endpoint(), peer.region()), counter);
    instance = AwsTestSupport.runInstance(aws.ec2(), AwsTestSupport.someImage(aws.ec2()));
    allocation = AwsTestSupport.allocateAddress(aws.ec2());
    zoneId =
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

  private static DnsRecord sip(String ip) {
    return new DnsRecord(ZONE, "sip.example.com.", "A", 60, List.of(ip));
  }

  @Test
  void aRecordChangedBetweenReadAndBatchIsAConflictAndIsNotOverwritten() {
    DnsRecord observed = dns.replace(Optional.empty(), sip("203.0.113.10"), TOKEN);
    // Another writer changes the record after our read, just before our batch arrives.
    proxy.onceBefore(
        "POST /2013-04-01/hostedzone/",
        () ->
            aws.route53()
                .changeResourceRecordSets(
                    r ->
                        r.hostedZoneId(zoneId)
                            .changeBatch(
                                b ->
                                    b.changes(
                                        c ->
                                            c.action(ChangeAction.UPSERT)
                                                .resourceRecordSet(
                                                    s ->
                                                        s.name("sip.example.com.")
                                                            .type(RRType.A)
                                                            .ttl(60L)
                                                            .resourceRecords(
                                                                v -> v.value("192.0.2.99")))))));

    assertThatThrownBy(
            () ->
                dns.replace(
                    Optional.of(observed), sip("198.51.100.20"), new FencingToken("pbx", "b", 2)))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("changed concurrently")
        .hasMessageContaining("do not match the current values");
    assertThat(dns.observe(ZONE, "sip.example.com.", "A").orElseThrow().values())
        .containsExactly("192.0.2.99");
  }

  @Test
  void aRetriedChangeWhoseAnswerWasLostRecognisesItsOwnEarlierWrite() {
    DnsRecord atA = dns.replace(Optional.empty(), sip("203.0.113.10"), TOKEN);
    var lost = proxy.dropAnswer("POST /2013-04-01/hostedzone/", 1);
    counter.reset();

    DnsRecord moved =
        dns.replace(Optional.of(atA), sip("198.51.100.20"), new FencingToken("pbx", "b", 2));

    assertThat(moved.values()).containsExactly("198.51.100.20");
    assertThat(lost.served()).hasValue(1);
    // The first attempt was applied; the SDK's retry met Route 53's compare-and-set refusal.
    assertThat(counter.attempts("Route53.ChangeResourceRecordSets")).isEqualTo(2);
    assertThat(dns.recordedEpoch(ZONE, "sip.example.com.", "A")).isEqualTo(2);
  }

  @Test
  void ec2FencerThrottlingIsRetriedAndADeniedStopNamesTheAction() {
    Ec2Fencer fencer = new Ec2Fencer(aws, Ec2Fencer.Settings.stop());
    var throttled = proxy.failEc2("StopInstances", 2, 400, "RequestLimitExceeded");
    assertThat(fencer.fence(instance.instanceId(), TOKEN).fenced()).isTrue();
    assertThat(throttled.served()).hasValue(2);
    assertThat(counter.attempts("Ec2.StopInstances")).isEqualTo(3);

    Instance other = AwsTestSupport.runInstance(aws.ec2(), AwsTestSupport.someImage(aws.ec2()));
    proxy.failEc2("StopInstances", 1, 403, "UnauthorizedOperation");
    assertThatThrownBy(() -> fencer.fence(other.instanceId(), TOKEN))
        .isInstanceOfSatisfying(
            PermissionException.class,
            e ->
                assertThat(e.category().safeAction())
                    .isEqualTo("stop: grant the missing permission"))
        .hasMessageContaining("'ec2:StopInstances'");

    proxy.failEc2("StopInstances", 100, 400, "RequestLimitExceeded");
    assertThatThrownBy(() -> fencer.fence(other.instanceId(), TOKEN))
        .isInstanceOfSatisfying(
            TransientException.class, e -> assertThat(e.category().retryable()).isTrue())
        .hasMessageContaining("ec2:StopInstances");
    assertThat(fencer.observe(other.instanceId()).fenced()).isFalse();
  }

  @Test
  void aChangeThatNeverGetsInsyncIsTransientAfterTheSyncTimeout() {
    Route53Updater impatient =
        new Route53Updater(
            aws.route53(),
            Route53Settings.builder()
                .hostedZone(ZONE, zoneId)
                .syncTimeout(Duration.ofSeconds(1))
                .syncPollInterval(Duration.ofMillis(200))
                .build());
    proxy.fail(
        "GET /2013-04-01/change/",
        1_000,
        200,
        "text/xml",
        "<?xml version=\"1.0\"?><GetChangeResponse"
            + " xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeInfo>"
            + "<Id>/change/C2682N5HXP0BZ4</Id><Status>PENDING</Status>"
            + "<SubmittedAt>2026-12-06T10:00:00.000Z</SubmittedAt></ChangeInfo></GetChangeResponse>");

    assertThatThrownBy(() -> impatient.replace(Optional.empty(), sip("203.0.113.10"), TOKEN))
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("not INSYNC within 1 s");
    // The change itself was made: a retry finds it and does not change it again.
    counter.reset();
    assertThat(dns.replace(Optional.empty(), sip("203.0.113.10"), TOKEN).values())
        .containsExactly("203.0.113.10");
    assertThat(counter.calls("Route53.ChangeResourceRecordSets")).isZero();
  }
}
