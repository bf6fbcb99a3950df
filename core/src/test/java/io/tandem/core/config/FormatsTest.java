package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FormatsTest {

  @Test
  void hostsAndPorts() {
    assertThat(Formats.hostPort("10.0.0.5:7480")).isTrue();
    assertThat(Formats.hostPort("vpn.example.org:7480")).isTrue();
    assertThat(Formats.hostPort("[2001:db8::5]:7480")).isTrue();
    assertThat(Formats.hostPort("2001:db8::5")).isTrue();
    assertThat(Formats.hostPort("pbx-a")).isTrue();
    assertThat(Formats.hostPort("10.0.0.5:99999")).isFalse();
    assertThat(Formats.hostPort("10.0.0.5:")).isFalse();
    assertThat(Formats.hostPort("has space:80")).isFalse();
  }

  @Test
  void addresses() {
    assertThat(Formats.ipv4("192.0.2.10")).isTrue();
    assertThat(Formats.ipv4("192.0.2.256")).isFalse();
    assertThat(Formats.ipv6("2001:db8::1")).isTrue();
    assertThat(Formats.ipv6("2001:db8::g")).isFalse();
    assertThat(Formats.ipv6("192.0.2.1")).isFalse();
    assertThat(Formats.cidr("192.0.2.10/24")).isTrue();
    assertThat(Formats.cidr("2001:db8::10/64")).isTrue();
    assertThat(Formats.cidr("192.0.2.10/33")).isFalse();
    assertThat(Formats.cidr("192.0.2.10")).isFalse();
  }

  @Test
  void namesUrlsAndRegions() {
    assertThat(Formats.name("pbx-prod")).isTrue();
    assertThat(Formats.name("Pbx_Prod")).isFalse();
    assertThat(Formats.name("-pbx")).isFalse();
    assertThat(Formats.hostname("_sip._udp.example.com.")).isTrue();
    assertThat(Formats.httpUrl("https://witness.example.net:7443/x")).isTrue();
    assertThat(Formats.httpUrl("ftp://x")).isFalse();
    assertThat(Formats.httpUrl("not a url")).isFalse();
    assertThat(Formats.sipUri("sips:registrar.example:5061;transport=tls")).isTrue();
    assertThat(Formats.sipUri("http://x")).isFalse();
    assertThat(Formats.awsRegion("eu-west-1")).isTrue();
    assertThat(Formats.awsRegion("us-gov-west-1")).isTrue();
    assertThat(Formats.awsRegion("ap-southeast-2")).isTrue();
    assertThat(Formats.awsRegion("westeurope")).isFalse();
    assertThat(Formats.awsRegion("EU-WEST-1")).isFalse();
    assertThat(Formats.guid("11111111-2222-3333-4444-555555555555")).isTrue();
    assertThat(Formats.guid("1111")).isFalse();
  }

  @Test
  void didYouMeanOnlyForNearMisses() {
    var keys = java.util.List.of("managementAddress", "priority", "region");
    assertThat(NameSuggestions.hint("managmentAddress", keys))
        .isEqualTo(" (did you mean managementAddress?)");
    assertThat(NameSuggestions.hint("prio", keys)).isEmpty();
    assertThat(NameSuggestions.hint("regoin", keys)).isEqualTo(" (did you mean region?)");
    assertThat(NameSuggestions.hint("zone", keys)).isEmpty();
  }
}
