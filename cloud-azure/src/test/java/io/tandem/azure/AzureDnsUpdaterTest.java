package io.tandem.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.azure.stub.ArmStub;
import io.tandem.core.error.ConflictException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.witness.FencingToken;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Azure DNS record sets with ETag compare-and-set, against the stateful ARM stub. */
class AzureDnsUpdaterTest {

  private static final FencingToken T5 = new FencingToken("sip-cluster", "azure-b", 5);

  private ArmStub arm;
  private AzureDnsUpdater dns;

  @BeforeEach
  void start() {
    arm = ArmStub.start();
    arm.zone("example.com");
    dns = new AzureDnsUpdater(arm.clients(new ArmCallCounter()));
  }

  @AfterEach
  void stop() {
    arm.close();
  }

  private static DnsRecord a(String... values) {
    return new DnsRecord("example.com.", "sip.example.com.", "A", 60, List.of(values));
  }

  private String recordSetId(String type, String name) {
    return arm.group() + "/providers/Microsoft.Network/dnszones/example.com/" + type + "/" + name;
  }

  @Test
  void createsWithIfNoneMatchAndRecordsTheEpochInMetadata() {
    DnsRecord back = dns.replace(Optional.empty(), a("203.0.113.10"), T5);

    assertThat(back.values()).containsExactly("203.0.113.10");
    assertThat(dns.observe("example.com.", "sip.example.com.", "A")).contains(back);
    var put = arm.requests().stream().filter(r -> r.getMethod().getName().equals("PUT")).toList();
    assertThat(put)
        .singleElement()
        .satisfies(r -> assertThat(r.getHeader("If-None-Match")).isEqualTo("*"));
    var metadata = arm.resource(recordSetId("A", "sip")).path("properties").path("metadata");
    assertThat(metadata.path("tandem-epoch").asString()).isEqualTo("5");
    assertThat(metadata.path("tandem-site").asString()).isEqualTo("azure-b");
  }

  @Test
  void updatesWithIfMatchOnlyWhenTheRecordStillEqualsTheExpectedOne() {
    dns.replace(Optional.empty(), a("198.51.100.7"), T5);
    arm.resetRequests();

    DnsRecord back = dns.replace(Optional.of(a("198.51.100.7")), a("203.0.113.10"), T5);

    assertThat(back.values()).containsExactly("203.0.113.10");
    assertThat(dns.verify(a("203.0.113.10"))).isTrue();
    assertThat(dns.verify(a("198.51.100.7"))).isFalse();
    assertThat(arm.requests())
        .filteredOn(r -> r.getMethod().getName().equals("PUT"))
        .singleElement()
        .satisfies(r -> assertThat(r.getHeader("If-Match")).isNotBlank());
  }

  @Test
  void aRecordThatDiffersFromTheExpectedOneIsAConflictAndIsNotWritten() {
    dns.replace(Optional.empty(), a("192.0.2.99"), T5);

    assertThatThrownBy(() -> dns.replace(Optional.of(a("198.51.100.7")), a("203.0.113.10"), T5))
        .isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> dns.replace(Optional.empty(), a("203.0.113.10"), T5))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("expected it absent");
    assertThat(dns.verify(a("192.0.2.99"))).isTrue();
  }

  @Test
  void aConcurrentWriteBetweenReadAndWriteIsA412Conflict() {
    dns.replace(Optional.empty(), a("198.51.100.7"), T5);
    arm.onceBefore("PUT", "/a/sip", () -> arm.touch(recordSetId("A", "sip")));

    assertThatThrownBy(() -> dns.replace(Optional.of(a("198.51.100.7")), a("203.0.113.10"), T5))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("412");
    assertThat(dns.verify(a("198.51.100.7"))).isTrue();
  }

  @Test
  void twoCreatorsRacingOnlyOneWins() {
    arm.onceBefore(
        "PUT",
        "/a/sip",
        () ->
            new AzureDnsUpdater(arm.clients(new ArmCallCounter()))
                .replace(
                    Optional.empty(), a("192.0.2.1"), new FencingToken("sip-cluster", "aws-a", 5)));

    // The hook runs in the stub before our PUT is handled: another site's create lands first.
    assertThatThrownBy(() -> dns.replace(Optional.empty(), a("203.0.113.10"), T5))
        .isInstanceOf(ConflictException.class);
  }

  @Test
  void aNewerEpochInMetadataRefusesTheChange() {
    dns.replace(Optional.empty(), a("198.51.100.7"), new FencingToken("sip-cluster", "aws-a", 9));

    assertThatThrownBy(() -> dns.replace(Optional.of(a("198.51.100.7")), a("203.0.113.10"), T5))
        .isInstanceOf(StaleEpochException.class);
  }

  @Test
  void replacingWithWhatIsThereChangesNothing() {
    dns.replace(Optional.empty(), a("203.0.113.10"), T5);
    arm.resetRequests();

    dns.replace(Optional.of(a("198.51.100.7")), a("203.0.113.10"), T5);

    assertThat(arm.requests()).allMatch(r -> r.getMethod().getName().equals("GET"));
  }

  @Test
  void equalDataUnderAnOlderEpochStillRecordsTheNewerEpoch() {
    dns.replace(Optional.empty(), a("203.0.113.10"), T5);
    FencingToken t6 = new FencingToken("sip-cluster", "azure-a", 6);
    arm.resetRequests();

    DnsRecord back = dns.replace(Optional.of(a("203.0.113.10")), a("203.0.113.10"), t6);

    assertThat(back.values()).containsExactly("203.0.113.10");
    var metadata = arm.resource(recordSetId("A", "sip")).path("properties").path("metadata");
    assertThat(metadata.path("tandem-epoch").asString()).isEqualTo("6");
    assertThat(metadata.path("tandem-site").asString()).isEqualTo("azure-a");
    assertThat(arm.requests())
        .filteredOn(r -> r.getMethod().getName().equals("PUT"))
        .singleElement()
        .satisfies(r -> assertThat(r.getHeader("If-Match")).isNotBlank());
    // The older holder can no longer change it.
    assertThatThrownBy(() -> dns.replace(Optional.of(a("203.0.113.10")), a("192.0.2.1"), T5))
        .isInstanceOf(StaleEpochException.class);
  }

  @Test
  void aRetriedWriteWhoseAnswerWasLostRecognisesItsOwnEarlierWrite() {
    dns.replace(Optional.empty(), a("198.51.100.7"), T5);
    FencingToken t6 = new FencingToken("sip-cluster", "azure-a", 6);
    arm.dropAnswerOnce("PUT", "/a/sip");
    arm.resetRequests();

    DnsRecord back = dns.replace(Optional.of(a("198.51.100.7")), a("203.0.113.10"), t6);

    assertThat(back.values()).containsExactly("203.0.113.10");
    assertThat(dns.verify(a("203.0.113.10"))).isTrue();
    // The first PUT was applied and its answer lost; the pipeline's retry met the moved ETag.
    assertThat(arm.requests()).filteredOn(r -> r.getMethod().getName().equals("PUT")).hasSize(2);
  }

  @Test
  void aRetriedCreateWhoseAnswerWasLostRecognisesItsOwnEarlierWrite() {
    arm.dropAnswerOnce("PUT", "/a/sip");

    DnsRecord back = dns.replace(Optional.empty(), a("203.0.113.10"), T5);

    assertThat(back.values()).containsExactly("203.0.113.10");
    assertThat(arm.requests()).filteredOn(r -> r.getMethod().getName().equals("PUT")).hasSize(2);
  }

  @Test
  void aaaaCnameAndSrvRoundTrip() {
    DnsRecord aaaa =
        new DnsRecord("example.com.", "sip.example.com.", "AAAA", 60, List.of("2001:db8:0:0::10"));
    DnsRecord cname =
        new DnsRecord(
            "example.com.", "voice.example.com.", "CNAME", 300, List.of("sip.example.com."));
    DnsRecord srv =
        new DnsRecord(
            "example.com.",
            "_sip._udp.example.com.",
            "SRV",
            300,
            List.of("10 60 5060 sip-a.example.com.", "20 40 5060 sip-b.example.com."));

    assertThat(dns.replace(Optional.empty(), aaaa, T5).values())
        .containsExactly("2001:db8:0:0::10");
    assertThat(dns.verify(aaaa)).isTrue();
    assertThat(dns.replace(Optional.empty(), cname, T5).values())
        .containsExactly("sip.example.com.");
    assertThat(dns.replace(Optional.empty(), srv, T5).values())
        .containsExactlyInAnyOrder(
            "10 60 5060 sip-a.example.com.", "20 40 5060 sip-b.example.com.");
    var srvBody =
        arm.resource(recordSetId("SRV", "_sip._udp")).path("properties").path("SRVRecords");
    assertThat(srvBody.get(0).path("port").asInt()).isEqualTo(5060);
  }

  @Test
  void forbiddenNamesTheMissingDnsPermission() {
    arm.deny(
        "PUT",
        "(?i).*/dnszones/example.com/A/sip",
        "Microsoft.Network/dnsZones/A/write",
        arm.group() + "/providers/Microsoft.Network/dnszones/example.com");

    assertThatThrownBy(() -> dns.replace(Optional.empty(), a("203.0.113.10"), T5))
        .isInstanceOf(PermissionException.class)
        .hasMessageContaining("'Microsoft.Network/dnsZones/A/write'");
  }

  @Test
  void missingRecordObservesEmpty() {
    assertThat(dns.observe("example.com.", "nothing.example.com.", "A")).isEmpty();
  }
}
