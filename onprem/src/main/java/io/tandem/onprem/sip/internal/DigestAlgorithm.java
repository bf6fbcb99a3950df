package io.tandem.onprem.sip.internal;

import java.util.Locale;
import java.util.Optional;

/** Digest hash algorithms of RFC 7616 / RFC 8760, with their JCA names and strength order. */
public enum DigestAlgorithm {
  MD5("MD5", "MD5", 1, false),
  MD5_SESS("MD5-sess", "MD5", 1, true),
  SHA_256("SHA-256", "SHA-256", 2, false),
  SHA_256_SESS("SHA-256-sess", "SHA-256", 2, true),
  SHA_512_256("SHA-512-256", "SHA-512/256", 3, false),
  SHA_512_256_SESS("SHA-512-256-sess", "SHA-512/256", 3, true);

  private final String token;
  private final String jcaName;
  private final int strength;
  private final boolean session;

  DigestAlgorithm(String token, String jcaName, int strength, boolean session) {
    this.token = token;
    this.jcaName = jcaName;
    this.strength = strength;
    this.session = session;
  }

  /** Looks an {@code algorithm=} token up, case-insensitively. */
  public static Optional<DigestAlgorithm> of(String token) {
    String t = token.trim().toUpperCase(Locale.ROOT);
    for (DigestAlgorithm a : values()) {
      if (a.token.toUpperCase(Locale.ROOT).equals(t)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  /** The token as written in headers, e.g. {@code SHA-256}. */
  public String token() {
    return token;
  }

  String jcaName() {
    return jcaName;
  }

  int strength() {
    return strength;
  }

  boolean session() {
    return session;
  }
}
