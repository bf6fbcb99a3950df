package io.tandem.core.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedSecretAuthenticatorTest {

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private final SharedSecretAuthenticator auth =
      SharedSecretAuthenticator.of(
          Map.of("a", b("0123456789abcdef-a"), "b", b("0123456789abcdef-b")));

  @Test
  void acceptsOnlyTheSitesOwnSecret() {
    assertThat(auth.authenticate("a", SiteCredential.of(b("0123456789abcdef-a")))).isTrue();
    assertThat(auth.authenticate("a", SiteCredential.of(b("0123456789abcdef-b")))).isFalse();
    assertThat(auth.authenticate("c", SiteCredential.of(b("0123456789abcdef-a")))).isFalse();
    assertThat(auth.authenticate("a", SiteCredential.NONE)).isFalse();
  }

  @Test
  void neverShowsSecrets() {
    assertThat(auth.toString()).doesNotContain("0123456789");
    assertThat(SiteCredential.of(b("0123456789abcdef-a"))).hasToString("SiteCredential[redacted]");
  }

  @Test
  void rejectsShortSecrets() {
    assertThatThrownBy(() -> SharedSecretAuthenticator.of(Map.of("a", b("short"))))
        .hasMessage("secret for site a must have at least 16 bytes");
  }

  /** Issue 17.4: a witness serving 10,000 clusters hashes no secret while it starts. */
  @Test
  void digestsASitesSecretAtItsFirstRequestOnlyAndOnce() {
    Map<String, byte[]> many = new java.util.HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      many.put("site-" + i, b("0123456789abcdef-" + i));
    }
    SharedSecretAuthenticator lazy = SharedSecretAuthenticator.of(many);
    assertThat(lazy.digested()).as("built: nothing hashed").isZero();
    assertThat(lazy.authenticate("site-7", SiteCredential.of(b("0123456789abcdef-7")))).isTrue();
    assertThat(lazy.authenticate("site-7", SiteCredential.of(b("0123456789abcdef-8")))).isFalse();
    assertThat(lazy.authenticate("nobody", SiteCredential.of(b("0123456789abcdef-7")))).isFalse();
    assertThat(lazy.authenticate("site-8", SiteCredential.of(b("0123456789abcdef-7")))).isFalse();
    assertThat(lazy.authenticate("site-7", SiteCredential.of(b("0123456789abcdef-7")))).isTrue();
    assertThat(lazy.digested()).as("site-7 and site-8, once each").isEqualTo(2);
    many.get("site-9")[0] = 'X';
    assertThat(lazy.authenticate("site-9", SiteCredential.of(b("0123456789abcdef-9"))))
        .as("the caller's arrays are copied")
        .isTrue();
  }
}
