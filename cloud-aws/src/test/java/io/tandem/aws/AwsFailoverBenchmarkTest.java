package io.tandem.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.port.DnsRecord;
import io.tandem.core.witness.FencingToken;
import io.tandem.core.witness.TicketRequest;
import io.tandem.sim.peer.AwsEmulatorPeer;
import io.tandem.testkit.AwsEmulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * Counts the API calls of a full AWS-side failover (Elastic IP move + Route 53 change + fencing the
 * old primary) and measures each operation's median latency against the emulator. Prints the
 * figures and writes {@code target/aws-benchmark.json}; asserts only behaviour, never timings.
 */
@AwsEmulator
class AwsFailoverBenchmarkTest {

  private static final String ZONE = "example.com.";
  private static final int ROUNDS = 15;
  private final ApiCallCounter counter = new ApiCallCounter();
  private AwsClients aws;
  private String image;
  private Route53Updater dns;

  @BeforeEach
  void setUp(AwsEmulatorPeer peer) {
    peer.reset();
    aws = AwsTestSupport.clients(peer, counter);
    image = AwsTestSupport.someImage(aws.ec2());
    String zoneId =
        aws.route53()
            .createHostedZone(r -> r.name(ZONE).callerReference("bench-" + System.nanoTime()))
            .hostedZone()
            .id();
    dns =
        new Route53Updater(
            aws.route53(),
            Route53Settings.builder()
                .hostedZone(ZONE, zoneId)
                .syncPollInterval(Duration.ofMillis(200))
                .build());
  }

  @AfterEach
  void tearDown() {
    aws.close();
  }

  private static FencingToken token(String site, long epoch) {
    return new FencingToken("pbx", site, epoch);
  }

  private static DnsRecord sip(String ip) {
    return new DnsRecord(ZONE, "sip.example.com.", "A", 60, List.of(ip));
  }

  @Test
  void aFullFailoverCountsItsCallsAndEachOperationItsMedianLatency(AwsEmulatorPeer peer)
      throws IOException {
    ElasticIpMover mover = new ElasticIpMover(aws);
    Ec2Fencer fencer = new Ec2Fencer(aws, Ec2Fencer.Settings.stop());
    Instance a = AwsTestSupport.runInstance(aws.ec2(), image);
    Instance b = AwsTestSupport.runInstance(aws.ec2(), image);
    String eip = AwsTestSupport.allocateAddress(aws.ec2());
    mover.move(eip, a.instanceId(), token("a", 1));
    DnsRecord atA = dns.replace(Optional.empty(), sip("203.0.113.10"), token("a", 1));

    counter.reset();
    long started = System.nanoTime();
    mover.move(eip, b.instanceId(), token("b", 2));
    dns.replace(Optional.of(atA), sip("198.51.100.20"), token("b", 2));
    fencer.fence(a.instanceId(), token("b", 2));
    double failoverMs = (System.nanoTime() - started) / 1e6;
    Map<String, Long> failoverCalls = counter.calls();
    long totalCalls = counter.totalCalls();

    assertThat(failoverCalls)
        .containsEntry("Ec2.AssociateAddress", 1L)
        .containsEntry("Route53.ChangeResourceRecordSets", 1L)
        .containsEntry("Ec2.StopInstances", 1L);
    assertThat(counter.attempts()).isEqualTo(failoverCalls);

    counter.reset();
    mover.move(eip, b.instanceId(), token("b", 2));
    dns.replace(Optional.of(atA), sip("198.51.100.20"), token("b", 2));
    fencer.fence(a.instanceId(), token("b", 2));
    long repeatCalls = counter.totalCalls();
    assertThat(counter.calls())
        .doesNotContainKeys(
            "Ec2.AssociateAddress", "Route53.ChangeResourceRecordSets", "Ec2.StopInstances");

    Map<String, Double> medians = new LinkedHashMap<>();
    medians.put("eip.observe", median(i -> mover.observe(eip)));
    medians.put(
        "eip.move",
        median(i -> mover.move(eip, (i % 2 == 0 ? a : b).instanceId(), token("x", 10 + i))));
    medians.put("route53.observe", median(i -> dns.observe(ZONE, "sip.example.com.", "A")));
    medians.put(
        "route53.replace",
        median(
            i ->
                dns.replace(
                    dns.observe(ZONE, "sip.example.com.", "A"),
                    sip("192.0.2." + (i + 1)),
                    token("x", 10 + i))));
    List<String> victims = new ArrayList<>();
    for (int i = 0; i < ROUNDS; i++) {
      victims.add(AwsTestSupport.runInstance(aws.ec2(), image).instanceId());
    }
    medians.put("ec2.fence(stop)", median(i -> fencer.fence(victims.get(i), token("x", 1))));
    DynamoDbWitness.createTable(aws.dynamoDb(), "tandem-witness", Duration.ofSeconds(30));
    DynamoDbWitness witness =
        new DynamoDbWitness(aws, "tandem-witness", Duration.ofSeconds(2), Clock.systemUTC());
    medians.put(
        "witness.acquire",
        median(
            i ->
                witness.acquire(TicketRequest.acquire("c" + i, "a", true, Duration.ofSeconds(9)))));
    medians.put(
        "witness.renew",
        median(
            i -> witness.renew(TicketRequest.renew("c" + i, "a", true, Duration.ofSeconds(9), 1))));
    medians.put("witness.observe", median(i -> witness.observe("c" + i)));

    String json =
        "{\n  \"engine\": \""
            + peer.engine()
            + "\",\n  \"rounds\": "
            + ROUNDS
            + ",\n  \"failover\": {\"totalCalls\": "
            + totalCalls
            + ", \"repeatCalls\": "
            + repeatCalls
            + ", \"elapsedMs\": "
            + String.format("%.1f", failoverMs)
            + ", \"calls\": {"
            + failoverCalls.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\": " + e.getValue())
                .collect(Collectors.joining(", "))
            + "}},\n  \"medianMs\": {"
            + medians.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\": " + String.format("%.2f", e.getValue()))
                .collect(Collectors.joining(", "))
            + "}\n}\n";
    Path out = Path.of("target", "aws-benchmark.json");
    Files.createDirectories(out.getParent());
    Files.writeString(out, json);
    System.out.println(json);
    // Checks that can fail: a repeated failover must cost reads only (fewer calls than the first,
    // and no mutating call, asserted above), and the witness observed every cluster it acquired.
    assertThat(repeatCalls).isLessThan(totalCalls);
    for (int i = 0; i < ROUNDS; i++) {
      assertThat(witness.observe("c" + i).map(t -> t.holder())).contains("a");
    }
  }

  private interface Round {
    Object run(int i);
  }

  private static double median(Round round) {
    double[] ms = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      long t0 = System.nanoTime();
      round.run(i);
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    java.util.Arrays.sort(ms);
    return ms[ROUNDS / 2];
  }
}
