package io.tandem.onprem.sip.internal;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code Digest} challenge from a {@code WWW-Authenticate} (401) or {@code Proxy-Authenticate}
 * (407) header.
 *
 * @param realm the protection realm
 * @param nonce server nonce
 * @param algorithm e.g. {@code MD5}, {@code SHA-256}, {@code SHA-256-sess} (MD5 when absent)
 * @param qops offered qop values, e.g. {@code [auth, auth-int]}; empty for RFC 2069 servers
 * @param opaque echoed back unchanged when present
 * @param stale true when the credentials were right but the nonce expired
 * @param proxy true for a 407 challenge (answer with {@code Proxy-Authorization})
 */
public record DigestChallenge(
    String realm,
    String nonce,
    String algorithm,
    List<String> qops,
    Optional<String> opaque,
    boolean stale,
    boolean proxy) {

  public DigestChallenge {
    Objects.requireNonNull(realm, "realm");
    Objects.requireNonNull(nonce, "nonce");
    algorithm = algorithm == null || algorithm.isBlank() ? "MD5" : algorithm.trim();
    qops = List.copyOf(qops);
    Objects.requireNonNull(opaque, "opaque");
  }

  /** Parses a comma-separated {@code qop} option list. */
  public static List<String> parseQops(String qop) {
    if (qop == null || qop.isBlank()) {
      return List.of();
    }
    return java.util.Arrays.stream(qop.split(","))
        .map(s -> s.trim().toLowerCase(Locale.ROOT))
        .filter(s -> !s.isEmpty())
        .toList();
  }

  /** Whether Tandem can answer it (a known algorithm; qop auth offered or none). */
  public boolean supported() {
    return DigestAlgorithm.of(algorithm).isPresent() && (qops.isEmpty() || qops.contains("auth"));
  }

  /** Strength rank for picking among several challenges: higher is stronger. */
  public int strength() {
    return DigestAlgorithm.of(algorithm).map(DigestAlgorithm::strength).orElse(-1);
  }

  /** The strongest challenge Tandem can answer, if any (RFC 7616 §3.7: prefer the strongest). */
  public static Optional<DigestChallenge> strongest(List<DigestChallenge> offered) {
    return offered.stream()
        .filter(DigestChallenge::supported)
        .max(java.util.Comparator.comparingInt(DigestChallenge::strength));
  }
}
