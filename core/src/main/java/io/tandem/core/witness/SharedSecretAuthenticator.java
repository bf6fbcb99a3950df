package io.tandem.core.witness;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One shared secret per site. Secrets are stored as SHA-256 digests and compared with {@link
 * MessageDigest#isEqual} (constant time in the JDK), so neither content nor length leaks through
 * timing. An unknown site is compared against a dummy digest so it takes the same time. Immutable
 * and thread-safe; {@link #toString()} names the sites only.
 */
public final class SharedSecretAuthenticator implements SiteAuthenticator {

  private static final byte[] UNKNOWN_SITE =
      digest("tandem-unknown-site".getBytes(StandardCharsets.UTF_8));

  private final Map<String, byte[]> digests;

  private SharedSecretAuthenticator(Map<String, byte[]> digests) {
    this.digests = Map.copyOf(digests);
  }

  /**
   * @param secrets site name to secret bytes (resolved from env vars or files by the caller); the
   *     map's arrays are not kept
   */
  public static SharedSecretAuthenticator of(Map<String, byte[]> secrets) {
    Map<String, byte[]> d = new HashMap<>();
    secrets.forEach(
        (site, secret) -> {
          Objects.requireNonNull(site, "site");
          if (secret == null || secret.length < 16) {
            throw new IllegalArgumentException(
                "secret for site " + site + " must have at least 16 bytes");
          }
          d.put(site, digest(secret));
        });
    return new SharedSecretAuthenticator(d);
  }

  @Override
  public boolean authenticate(String site, SiteCredential credential) {
    byte[] expected = digests.get(site);
    byte[] presented = credential.secret();
    byte[] actual = digest(presented);
    java.util.Arrays.fill(presented, (byte) 0);
    boolean same = MessageDigest.isEqual(expected == null ? UNKNOWN_SITE : expected, actual);
    return same && expected != null && !credential.isEmpty();
  }

  private static byte[] digest(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  @Override
  public String toString() {
    return "SharedSecretAuthenticator" + digests.keySet();
  }
}
