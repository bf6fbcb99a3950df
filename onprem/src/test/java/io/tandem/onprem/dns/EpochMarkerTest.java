package io.tandem.onprem.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.witness.FencingToken;
import org.junit.jupiter.api.Test;

class EpochMarkerTest {

  @Test
  void roundTripsThroughTheTxtText() {
    EpochMarker m = EpochMarker.of(new FencingToken("c1", "cloud", 42));
    assertThat(EpochMarker.parse("\"" + m.text() + "\"")).contains(m);
  }

  @Test
  void ignoresTxtRecordsWithoutAnEpoch() {
    assertThat(EpochMarker.parse("\"v=spf1 -all\"")).isEmpty();
    assertThat(EpochMarker.parse("\"epoch=abc\"")).isEmpty();
  }

  @Test
  void ipv6IsPrintedInTheShortForm() {
    assertThat(Rfc2136DnsUpdater.compressIpv6("2001:db8:0:0:0:0:0:20")).isEqualTo("2001:db8::20");
    assertThat(Rfc2136DnsUpdater.compressIpv6("0:0:0:0:0:0:0:1")).isEqualTo("::1");
    assertThat(Rfc2136DnsUpdater.compressIpv6("2001:db8:0:1:0:0:0:0")).isEqualTo("2001:db8:0:1::");
    assertThat(Rfc2136DnsUpdater.compressIpv6("2001:db8:0:1:1:1:1:1"))
        .isEqualTo("2001:db8:0:1:1:1:1:1");
  }
}
