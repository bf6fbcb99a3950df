package io.tandem.onprem.sip.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Known-answer tests from the RFCs' own examples. */
class DigestResponderTest {

  private static final String NONCE_7616 = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
  private static final String CNONCE_7616 = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

  @Test
  void rfc7616Md5Example() {
    String r =
        DigestResponder.response(
            DigestAlgorithm.MD5,
            "Mufasa",
            "http-auth@example.org",
            "Circle of Life",
            NONCE_7616,
            "GET",
            "/dir/index.html",
            "auth",
            "00000001",
            CNONCE_7616);
    assertThat(r).isEqualTo("8ca523f5e9506fed4657c9700eebdbec");
  }

  @Test
  void rfc7616Sha256Example() {
    String r =
        DigestResponder.response(
            DigestAlgorithm.SHA_256,
            "Mufasa",
            "http-auth@example.org",
            "Circle of Life",
            NONCE_7616,
            "GET",
            "/dir/index.html",
            "auth",
            "00000001",
            CNONCE_7616);
    assertThat(r).isEqualTo("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  }

  @Test
  void rfc2617Example() {
    String r =
        DigestResponder.response(
            DigestAlgorithm.MD5,
            "Mufasa",
            "testrealm@host.com",
            "Circle Of Life",
            "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            "GET",
            "/dir/index.html",
            "auth",
            "00000001",
            "0a4f113b");
    assertThat(r).isEqualTo("6629fae49393a05397450978507c4ef1");
  }

  @Test
  void picksTheStrongestChallengeItCanAnswer() {
    DigestChallenge md5 = challenge("MD5", "auth");
    DigestChallenge sha = challenge("SHA-256", "auth");
    DigestChallenge unknown = challenge("SHA3-FANCY", "auth");
    DigestChallenge authIntOnly = challenge("SHA-512-256", "auth-int");

    assertThat(DigestChallenge.strongest(List.of(md5, unknown, sha, authIntOnly))).contains(sha);
    assertThat(DigestChallenge.strongest(List.of(unknown))).isEmpty();
  }

  @Test
  void authorizationHeaderCarriesQopCnonceAndCount() {
    String header =
        DigestResponder.authorization(
            challenge("SHA-256", "auth,auth-int"),
            "trunk1",
            "secret1",
            "REGISTER",
            "sip:tandem.test",
            2,
            "abc123");

    assertThat(header)
        .startsWith("Digest username=\"trunk1\"")
        .contains("algorithm=SHA-256", "qop=auth", "nc=00000002", "cnonce=\"abc123\"")
        .contains("opaque=\"op\"")
        .doesNotContain("secret1");
  }

  @Test
  void withoutQopTheRfc2069FormHasNoCnonce() {
    String header =
        DigestResponder.authorization(
            challenge("MD5", ""), "trunk1", "secret1", "REGISTER", "sip:tandem.test", 1, "x");
    assertThat(header).doesNotContain("cnonce").doesNotContain("qop");
  }

  private static DigestChallenge challenge(String algorithm, String qop) {
    return new DigestChallenge(
        "tandem.test",
        "n0nce",
        algorithm,
        DigestChallenge.parseQops(qop),
        Optional.of("op"),
        false,
        false);
  }
}
