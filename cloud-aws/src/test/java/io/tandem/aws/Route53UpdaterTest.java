package io.tandem.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConflictException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.witness.FencingToken;
import io.tandem.sim.peer.AwsEmulatorPeer;
import io.tandem.testkit.AwsEmulator;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.RRType;

@AwsEmulator
class Route53UpdaterTest {

  private static final String ZONE = "example.com.";
  private final ApiCallCounter counter = new ApiCallCounter();
  private AwsClients aws;
  private String zoneId;

  @BeforeEach
  void setUp(AwsEmulatorPeer peer) {
    peer.reset();
    aws = AwsTestSupport.clients(peer, counter);
    zoneId =
        Route53Updater.bareZoneId(
            aws.route53()
                .createHostedZone(
                    r -> r.name(ZONE).callerReference("tandem-test-" + System.nanoTime()))
                .hostedZone()
                .id());
    counter.reset();
  }

  @AfterEach
  void tearDown() {
    aws.close();
  }

  private Route53Updater updater(Route53Settings.Builder settings) {
    return new Route53Updater(
        aws.route53(), settings.syncPollInterval(Duration.ofMillis(200)).build());
  }

  private Route53Updater updater() {
    return updater(Route53Settings.builder());
  }

  private static FencingToken token(String site, long epoch) {
    return new FencingToken("pbx", site, epoch);
  }

  private static DnsRecord a(String value) {
    return new DnsRecord(ZONE, "sip.example.com.", "A", 60, List.of(value));
  }

  @Test
  void createsThenReplacesARecordAndRecordsTheEpoch() {
    Route53Updater dns = updater();
    DnsRecord created = dns.replace(Optional.empty(), a("203.0.113.10"), token("a", 1));
    assertThat(created.values()).containsExactly("203.0.113.10");
    assertThat(dns.recordedEpoch(ZONE, "sip.example.com.", "A")).isEqualTo(1);

    DnsRecord moved = dns.replace(Optional.of(created), a("198.51.100.20"), token("b", 2));
    assertThat(moved.values()).containsExactly("198.51.100.20");
    assertThat(dns.verify(a("198.51.100.20"))).isTrue();
    assertThat(dns.verify(a("203.0.113.10"))).isFalse();
    assertThat(dns.recordedEpoch(ZONE, "sip.example.com.", "A")).isEqualTo(2);
    // Zone found by name on first use, then cached.
    assertThat(counter.calls("Route53.ListHostedZonesByName")).isEqualTo(1);
  }

  @Test
  void aChangeCostsFourCallsAndARepeatOneRead() {
    Route53Updater dns = updater(Route53Settings.builder().hostedZone(ZONE, zoneId));
    dns.replace(Optional.empty(), a("203.0.113.10"), token("a", 1));
    assertThat(counter.calls())
        .containsEntry("Route53.ListResourceRecordSets", 2L)
        .containsEntry("Route53.ChangeResourceRecordSets", 1L)
        .containsEntry("Route53.GetChange", 1L);
    counter.reset();
    dns.replace(Optional.empty(), a("203.0.113.10"), token("a", 1));
    assertThat(counter.calls()).containsOnlyKeys("Route53.ListResourceRecordSets");
    assertThat(counter.totalCalls()).isEqualTo(1);
  }

  @Test
  void aConcurrentChangeIsDetectedAsAConflict() {
    Route53Updater dns = updater();
    DnsRecord observed = dns.replace(Optional.empty(), a("203.0.113.10"), token("a", 1));
    // Someone else changes the record after we observed it.
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
                                                        v -> v.value("192.0.2.99"))))));
    counter.reset();
    assertThatThrownBy(() -> dns.replace(Optional.of(observed), a("198.51.100.20"), token("b", 2)))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("changed since it was observed")
        .hasMessageContaining("192.0.2.99");
    assertThat(counter.calls("Route53.ChangeResourceRecordSets")).isZero();
    assertThat(dns.observe(ZONE, "sip.example.com.", "A").orElseThrow().values())
        .containsExactly("192.0.2.99");
  }

  @Test
  void failsOverAndBackAgain() {
    // A -> B -> A: the failback CREATEs a record set identical to one created earlier.
    Route53Updater dns = updater();
    DnsRecord atA = dns.replace(Optional.empty(), a("203.0.113.10"), token("a", 1));
    DnsRecord atB = dns.replace(Optional.of(atA), a("198.51.100.20"), token("b", 2));
    DnsRecord back = dns.replace(Optional.of(atB), a("203.0.113.10"), token("a", 3));

    assertThat(back.values()).containsExactly("203.0.113.10");
    assertThat(dns.verify(a("203.0.113.10"))).isTrue();
    assertThat(dns.recordedEpoch(ZONE, "sip.example.com.", "A")).isEqualTo(3);
    var sets =
        aws.route53().listResourceRecordSets(r -> r.hostedZoneId(zoneId)).resourceRecordSets();
    assertThat(sets).filteredOn(s -> s.name().equals("sip.example.com.")).hasSize(1);
  }

  @Test
  void aStaleEpochIsRefused() {
    Route53Updater dns = updater();
    DnsRecord current = dns.replace(Optional.empty(), a("203.0.113.10"), token("b", 5));
    assertThatThrownBy(() -> dns.replace(Optional.of(current), a("198.51.100.20"), token("a", 4)))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("epoch 5");
    assertThat(dns.verify(current)).isTrue();
  }

  @Test
  void upsertModeOverwritesWithoutComparingButStillChecksTheEpoch() {
    Route53Updater dns = updater(Route53Settings.builder().upsert(true));
    dns.replace(Optional.empty(), a("203.0.113.10"), token("a", 1));
    DnsRecord over = dns.replace(Optional.empty(), a("198.51.100.20"), token("b", 2));
    assertThat(over.values()).containsExactly("198.51.100.20");
    assertThatThrownBy(() -> dns.replace(Optional.empty(), a("192.0.2.1"), token("a", 1)))
        .isInstanceOf(StaleEpochException.class);
  }

  @Test
  void supportsAaaaCnameAndSrvRecords() {
    Route53Updater dns = updater();
    DnsRecord aaaa = new DnsRecord(ZONE, "sip6.example.com.", "AAAA", 60, List.of("2001:db8::10"));
    DnsRecord cname =
        new DnsRecord(ZONE, "pbx.example.com.", "CNAME", 60, List.of("site-a.example.com."));
    DnsRecord srv =
        new DnsRecord(
            ZONE,
            "_sip._udp.example.com.",
            "SRV",
            60,
            List.of("10 60 5060 site-a.example.com.", "20 40 5060 site-b.example.com."));
    for (DnsRecord r : List.of(aaaa, cname, srv)) {
      dns.replace(Optional.empty(), r, token("a", 1));
      assertThat(dns.verify(r)).as(r.type()).isTrue();
    }
    DnsRecord cnameB = cname.withValues(List.of("site-b.example.com."));
    dns.replace(Optional.of(cname), cnameB, token("b", 2));
    assertThat(dns.observe(ZONE, "pbx.example.com.", "CNAME").orElseThrow().values())
        .containsExactly("site-b.example.com.");
  }

  @Test
  void weightedAndFailoverRecordsKeepTheirRouting() {
    Route53Updater weighted =
        updater(
            Route53Settings.builder()
                .routing("w.example.com.", "A", RecordRouting.weighted("site-a", 100)));
    DnsRecord w = new DnsRecord(ZONE, "w.example.com.", "A", 60, List.of("203.0.113.10"));
    DnsRecord w1 = weighted.replace(Optional.empty(), w, token("a", 1));
    weighted.replace(Optional.of(w1), w.withValues(List.of("203.0.113.11")), token("a", 2));

    Route53Updater failover =
        updater(
            Route53Settings.builder()
                .routing("f.example.com.", "A", RecordRouting.failover("primary", "PRIMARY")));
    DnsRecord f = new DnsRecord(ZONE, "f.example.com.", "A", 60, List.of("203.0.113.20"));
    failover.replace(Optional.empty(), f, token("a", 1));

    var sets =
        aws.route53().listResourceRecordSets(r -> r.hostedZoneId(zoneId)).resourceRecordSets();
    var ws = sets.stream().filter(s -> s.name().equals("w.example.com.")).toList();
    assertThat(ws).hasSize(1);
    assertThat(ws.getFirst().setIdentifier()).isEqualTo("site-a");
    assertThat(ws.getFirst().weight()).isEqualTo(100L);
    assertThat(ws.getFirst().resourceRecords().getFirst().value()).isEqualTo("203.0.113.11");
    var fs = sets.stream().filter(s -> s.name().equals("f.example.com.")).findFirst().orElseThrow();
    assertThat(fs.failoverAsString()).isEqualTo("PRIMARY");
    assertThat(fs.setIdentifier()).isEqualTo("primary");
  }

  @Test
  void anUnknownHostedZoneGivesAClearError() {
    Route53Updater byId = updater(Route53Settings.builder().hostedZone(ZONE, "Z0000000000NOSUCH"));
    assertThatThrownBy(() -> byId.observe(ZONE, "sip.example.com.", "A"))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("Z0000000000NOSUCH");
    assertThatThrownBy(() -> updater().observe("example.org.", "sip.example.org.", "A"))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("no public Route 53 hosted zone named example.org.");
  }

  @Test
  void lowersTheTtlAheadOfAPlannedSwitchover() {
    Route53Updater dns = updater();
    DnsRecord slow = new DnsRecord(ZONE, "sip.example.com.", "A", 3600, List.of("203.0.113.10"));
    dns.replace(Optional.empty(), slow, token("a", 1));

    Route53Updater.TtlLowering lowered =
        dns.lowerTtl(ZONE, "sip.example.com.", "A", 30, token("a", 1));
    assertThat(lowered.record().ttl()).isEqualTo(30);
    assertThat(lowered.waitBeforeSwitch()).isEqualTo(Duration.ofHours(1));
    assertThat(dns.observe(ZONE, "sip.example.com.", "A").orElseThrow().ttl()).isEqualTo(30);

    counter.reset();
    Route53Updater.TtlLowering again =
        dns.lowerTtl(ZONE, "sip.example.com.", "A", 30, token("a", 1));
    assertThat(again.waitBeforeSwitch()).isZero();
    assertThat(counter.calls("Route53.ChangeResourceRecordSets")).isZero();
  }
}
