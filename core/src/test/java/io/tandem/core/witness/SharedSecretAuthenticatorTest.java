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
}
