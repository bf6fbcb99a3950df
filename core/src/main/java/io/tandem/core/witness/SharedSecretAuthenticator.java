package io.tandem.core.witness;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One shared secret per site, compared as SHA-256 digests with {@link MessageDigest#isEqual}
 * (constant time in the JDK), so neither content nor length leaks through timing. An unknown site
 * is compared against a dummy digest so it takes the same time.
 *
 * <p>A site's secret is digested at its first request, not when the authenticator is built, and its
 * bytes are then overwritten: a witness serving 10,000 clusters hashes no secret while it starts
 * (issue 17.4), and each site costs one digest once. Thread-safe; {@link #toString()} names the
 * sites only.
 */
public final class SharedSecretAuthenticator implements SiteAuthenticator {

  private static final byte[] UNKNOWN_SITE =
      digest("tandem-unknown-site".getBytes(StandardCharsets.UTF_8));

  /** Each site's secret (copies) until digested; overwritten with zeros once it is. */
  private final Map<String, byte[]> secrets;

  private final Map<String, byte[]> digests = new ConcurrentHashMap<>();

  private SharedSecretAuthenticator(Map<String, byte[]> secrets) {
    this.secrets = Map.copyOf(secrets);
  }

  /**
   * @param secrets site name to secret bytes (resolved from env vars or files by the caller); the
   *     map's arrays are copied, not kept
   */
  public static SharedSecretAuthenticator of(Map<String, byte[]> secrets) {
    Map<String, byte[]> copies = new HashMap<>();
    secrets.forEach(
        (site, secret) -> {
          Objects.requireNonNull(site, "site");
          if (secret == null || secret.length < 16) {
            throw new IllegalArgumentException(
                "secret for site " + site + " must have at least 16 bytes");
          }
          copies.put(site, secret.clone());
        });
    return new SharedSecretAuthenticator(copies);
  }

  @Override
  public boolean authenticate(String site, SiteCredential credential) {
    byte[] expected = site == null ? null : expected(site);
    byte[] presented = credential.secret();
    byte[] actual = digest(presented);
    Arrays.fill(presented, (byte) 0);
    boolean same = MessageDigest.isEqual(expected == null ? UNKNOWN_SITE : expected, actual);
    return same && expected != null && !credential.isEmpty();
  }

  /** How many sites' secrets were digested so far (each at its site's first request). */
  public int digested() {
    return digests.size();
  }

  private byte[] expected(String site) {
    byte[] d = digests.get(site);
    if (d != null || !secrets.containsKey(site)) {
      return d;
    }
    return digests.computeIfAbsent(
        site,
        s -> {
          byte[] secret = secrets.get(s);
          byte[] digest = digest(secret);
          Arrays.fill(secret, (byte) 0);
          return digest;
        });
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
    return "SharedSecretAuthenticator" + new TreeSet<>(secrets.keySet());
  }
}
