package io.tandem.app.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fuzzing the peer-link decoder (issue 16.9; jqwik generators, Jazzer is not served here): the
 * signature check answers a verdict for any headers and body, and a correctly signed body of any
 * shape either binds to its message type or fails as malformed JSON ({@link JacksonException},
 * answered 400 by {@link PeerController}), never with another exception (a 500).
 */
class PeerLinkFuzzProperties {

  static final byte[] SECRET =
      "peer-secret-0123456789abcdefghijklmnop".getBytes(StandardCharsets.UTF_8);
  final PeerAuthentication auth =
      new PeerAuthentication(SECRET, Set.of("a", "b"), Clock.systemUTC(), Duration.ofSeconds(10));
  final JsonMapper json = JsonMapper.shared();

  @Provide
  Arbitrary<String> headers() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(80),
        Arbitraries.of(
            "", "a", "b", "-1", "9223372036854775808", "ZZ", "0x", "\u202E", "a\nb", null));
  }

  @Provide
  Arbitrary<String> bodies() {
    Arbitrary<String> value =
        Arbitraries.of(
            "null",
            "true",
            "1",
            "-1e999",
            "\"x\"",
            "[]",
            "{}",
            "\"STANDBY\"",
            "\"ACTIVE\"",
            "\"NOPE\"",
            "9223372036854775808",
            "\"\u202E\"");
    Arbitrary<String> key =
        Arbitraries.of(
            "site",
            "state",
            "healthy",
            "priority",
            "from",
            "sentAtNanos",
            "promiser",
            "promisee",
            "words",
            "promised",
            "expiresAtNanos",
            "x");
    Arbitrary<String> member = key.flatMap(k -> value.map(v -> "\"" + k + "\":" + v));
    return Arbitraries.oneOf(
        member.list().ofMaxSize(8).map(l -> "{" + String.join(",", l) + "}"),
        Arbitraries.strings().ofMaxLength(60));
  }

  @Property(tries = 2000)
  void anyHeadersGetAVerdict(
      @ForAll("headers") String site,
      @ForAll("headers") String timestamp,
      @ForAll("headers") String signature,
      @ForAll("bodies") String body) {
    PeerAuthentication.Verdict v =
        auth.verify(site, timestamp, signature, "report", body.getBytes(StandardCharsets.UTF_8));
    assertThat(v).isNotEqualTo(PeerAuthentication.Verdict.ACCEPTED);
  }

  @Property(tries = 2000)
  void aSignedBodyOfAnyShapeBindsOrIsMalformed(@ForAll("bodies") String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    for (Class<?> type :
        new Class<?>[] {
          PeerMessages.Report.class, PeerMessages.PromiseRequest.class, PeerMessages.Promise.class
        }) {
      try {
        Object m = json.readValue(bytes, type);
        if (m instanceof PeerMessages.Report r && r.state() != null) {
          r.toCore(); // what the controller does with a report that binds
        }
      } catch (JacksonException malformed) {
        // answered 400 by the controller
      }
    }
  }

  /** Regression inputs: a timestamp past long's range, non-hex signatures. */
  @Example
  void regressionInputs() {
    for (String[] h :
        new String[][] {
          {"b", "9223372036854775808", "00"}, {"b", "1", "zz"}, {"b", "1", "0"}, {"x", "1", ""}
        }) {
      assertThat(auth.verify(h[0], h[1], h[2], "report", new byte[0]))
          .isNotEqualTo(PeerAuthentication.Verdict.ACCEPTED);
    }
  }
}
