package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.port.DnsRecord;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Building configuration in code (the app's lab demo, tests of other modules). */
class ConfigBuildersTest {

  private static SiteConfig site(String name, int priority) {
    return SiteConfig.builder()
        .name(name)
        .kind(SiteKind.ONPREM)
        .priority(priority)
        .managementAddress("127.0.0.1:" + (7480 + priority))
        .pbx(
            PbxConfig.builder()
                .type(PbxType.FREESWITCH)
                .host("127.0.0.1")
                .secret(SecretRef.env("ESL_PASSWORD"))
                .build())
        .sensor(SensorConfig.builder().name("sip").kind("sip-options").critical(true).build())
        .build();
  }

  @Test
  void buildsAClusterInCodeWithDefaults() {
    ClusterConfig c =
        ClusterConfig.builder()
            .name("lab")
            .site(site("a", 1))
            .site(site("b", 2))
            .witness(
                WitnessConfig.builder()
                    .kind(WitnessKind.BUILTIN)
                    .endpoint("http://127.0.0.1:7443")
                    .build())
            .build();
    assertThat(c.timings()).isEqualTo(Timings.defaults());
    assertThat(c.policies().autoFailback()).isFalse();
    assertThat(c.policies().keepRunningWithoutWitness()).isFalse();
    assertThat(c.policies().witnessOutageFailsafe())
        .isEqualTo(Policies.DEFAULT_WITNESS_OUTAGE_FAILSAFE);
    assertThat(c.notifications()).isEqualTo(Notifications.none());
    SensorConfig sip = c.sites().get(0).sensors().get(0);
    assertThat(sip.interval()).isEqualTo(Duration.ofMillis(500));
    assertThat(sip.timeout()).isEqualTo(Duration.ofMillis(400));
    assertThat(sip.hysteresis().fall()).isEqualTo(2);
    assertThat(sip.toSpec().critical()).isTrue();
    assertThat(c.sites().get(0).pbx().port()).isEqualTo(8021);
  }

  @Test
  void sensorDefaultsFollowTheClusterTimings() {
    Timings t = Timings.builder().sensorInterval(Duration.ofSeconds(10)).fall(5).build();
    SensorConfig s = SensorConfig.builder().defaults(t).name("disk").kind("disk-space").build();
    assertThat(s.interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.fall()).isEqualTo(5);
    assertThat(s.weight()).isEqualTo(1);
  }

  @Test
  void aBuilderNamesEveryBadField() {
    assertThatThrownBy(() -> SiteConfig.builder().name("Bad Name").kind(SiteKind.AWS).build())
        .isInstanceOf(InvalidConfigException.class)
        .satisfies(
            e ->
                assertThat(((InvalidConfigException) e).problems())
                    .extracting(ConfigProblem::path)
                    .containsExactly("name", "priority", "region", "pbx", "managementAddress"));
  }

  @Test
  void dnsRecordForASiteMapsOntoThePortRecord() {
    DnsRecordConfig d =
        DnsRecordConfig.builder()
            .provider(DnsProvider.ROUTE53)
            .zone("example.org")
            .name("sip.example.org")
            .type(RecordType.A)
            .value("a", "192.0.2.1")
            .value("b", "192.0.2.2")
            .build();
    assertThat(d.forSite("b"))
        .isEqualTo(
            new DnsRecord("example.org.", "sip.example.org.", "A", 60, List.of("192.0.2.2")));
  }

  @Test
  void dnsValuesAreCheckedByRecordType() {
    DnsRecordConfig.Builder b =
        DnsRecordConfig.builder()
            .provider(DnsProvider.RFC2136)
            .zone("example.org.")
            .name("sip.other.org.")
            .type(RecordType.AAAA)
            .switchoverTtl(60L)
            .value("a", "192.0.2.1");
    assertThat(b.violations())
        .extracting(Violation::toString)
        .containsExactly(
            "name: expected a name inside zone example.org., was sip.other.org.",
            "switchoverTtl: expected seconds >= 0 and below ttl (60), was 60",
            "values.a: expected an IPv6 address, was 192.0.2.1",
            "rfc2136: missing: expected server, tsigKeyName and tsigSecret");
  }

  @Test
  void serviceAddressKindsAndTheirFields() {
    assertThat(
            ServiceAddress.builder()
                .kind(AddressKind.AWS_EIP)
                .name("sip")
                .allocationId("eipalloc-1")
                .instanceId("i-1")
                .networkInterfaceId("eni-1")
                .violations())
        .extracting(Violation::field)
        .containsExactly("instanceId");
    assertThat(
            ServiceAddress.builder()
                .kind(AddressKind.VIP)
                .name("voip")
                .address("192.0.2.10")
                .interfaceName("eth1")
                .host("pbx-a")
                .violations())
        .extracting(Violation::toString)
        .containsExactly("address: expected address/prefix such as 192.0.2.10/24, was 192.0.2.10");
  }

  @Test
  void trunkNeedsExactlyOneOfRegistrarAndDomain() {
    TrunkConfig.Builder b =
        TrunkConfig.builder()
            .name("carrier")
            .registrar("sip:reg.example.net")
            .domain("example.net")
            .user("u")
            .secret(SecretRef.env("P"))
            .expires(Duration.ofSeconds(30))
            .contact("a", "http://not-sip");
    assertThat(b.violations())
        .extracting(Violation::field)
        .containsExactly("registrar", "expires", "contacts.a");
  }

  @Test
  void failbackMustNotBeFasterThanATicketHandover() {
    ClusterConfig.Builder b =
        ClusterConfig.builder()
            .name("lab")
            .site(site("a", 1))
            .site(site("b", 2))
            .witness(
                WitnessConfig.builder()
                    .kind(WitnessKind.BUILTIN)
                    .endpoint("http://127.0.0.1:7443")
                    .build())
            .policies(
                Policies.builder()
                    .autoFailback(true)
                    .failbackStablePeriod(Duration.ofSeconds(2))
                    .build());
    assertThat(b.violations())
        .extracting(Violation::toString)
        .containsExactly(
            "policies.failbackStablePeriod: expected failbackStablePeriod >= ticketTtl +"
                + " witnessGrace (2s300ms): a failback sooner than a ticket handover would flap");
  }
}
