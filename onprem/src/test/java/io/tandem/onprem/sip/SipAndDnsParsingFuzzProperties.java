package io.tandem.onprem.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.error.ConfigException;
import io.tandem.onprem.dns.EpochMarker;
import io.tandem.onprem.sip.internal.DigestChallenge;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.WireParseException;

/**
 * Fuzzing what Tandem reads from SIP and DNS peers (issue 16.9; jqwik generators, Jazzer is not
 * served here): SIP targets, digest {@code qop} lists, the epoch marker in a TXT answer, and whole
 * DNS answers as they arrive from an RFC 2136 server (dnsjava's wire parser, then the marker and
 * the rcode Tandem reads from it). Each either parses or fails the documented way, never with
 * another exception.
 */
class SipAndDnsParsingFuzzProperties {

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(60),
        Arbitraries.strings().withChars("[]:0123456789.abcdef%").ofMaxLength(30),
        Arbitraries.of(
            ":",
            "[::1]:5060",
            "[::1]",
            "host:",
            ":5060",
            "host:99999",
            "host:-1",
            "host:0x10",
            "[]:5060",
            "h:2147483648"));
  }

  @Property(tries = 2000)
  void aSipTargetParsesOrIsAConfigError(@ForAll("texts") String hostPort) {
    try {
      SipTarget t = SipTarget.parse("target", hostPort, "udp");
      assertThat(t.port()).isBetween(1, 65535);
    } catch (ConfigException expected) {
      assertThat(expected.getMessage()).startsWith("target").doesNotContain("Exception");
    }
  }

  @Property(tries = 1000)
  void qopListsParse(@ForAll("texts") String qop) {
    assertThat(DigestChallenge.parseQops(qop)).doesNotContainNull();
  }

  @Provide
  Arbitrary<String> txt() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(80),
        Arbitraries.of("epoch=", "site=", "cluster=", "epoch=99999999999999999999", "epoch=-5")
            .list()
            .ofMaxSize(4)
            .map(l -> String.join(" ", l)));
  }

  @Property(tries = 2000)
  void anEpochMarkerParsesOrIsNotOurs(@ForAll("txt") String rdata) {
    Optional<EpochMarker> m = EpochMarker.parse(rdata);
    m.ifPresent(marker -> assertThat(rdata).contains("epoch=" + marker.epoch()));
  }

  @Property(tries = 1000)
  void aDnsAnswerOnTheWireParsesOrIsRefusedAsMalformed(@ForAll byte[] wire) {
    try {
      Message answer = new Message(wire);
      assertThat(Rcode.string(answer.getRcode())).isNotNull();
      answer.getSection(org.xbill.DNS.Section.ANSWER).stream()
          .filter(r -> r instanceof org.xbill.DNS.TXTRecord)
          .forEach(r -> EpochMarker.parse(r.rdataToString()));
    } catch (WireParseException malformed) {
      // Rfc2136DnsUpdater maps an unreadable answer to a ProtocolException
    } catch (java.io.IOException malformed) {
      // likewise: dnsjava reports truncated input as an IOException
    }
  }

  /** Regression inputs kept from the fuzzing. */
  @Example
  void regressionInputs() {
    for (String s : List.of("[]:5060", "h:2147483648", ":", "[:1")) {
      aSipTargetParsesOrIsAConfigError(s);
    }
    assertThat(EpochMarker.parse("epoch=99999999999999999999 site=a")).isEmpty();
  }
}
