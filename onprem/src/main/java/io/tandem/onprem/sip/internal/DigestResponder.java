package io.tandem.onprem.sip.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Computes Digest {@code Authorization} values (RFC 7616, with the SIP algorithms of RFC 8760).
 *
 * <p>Hand-written on purpose: Jain-SIP RI 1.3's {@code clientauthutils.AuthenticationHelper} hashes
 * with MD5 only ({@code MessageDigestAlgorithm} is hard-wired to MD5), sends a fixed cnonce and
 * answers every challenge in a response instead of the strongest one, so it cannot meet the
 * "SHA-256 where offered" requirement. The computation itself is a few lines.
 *
 * <p>Thread-safe (stateless apart from the random source).
 */
public final class DigestResponder {

  private static final SecureRandom RANDOM = new SecureRandom();

  private DigestResponder() {}

  /**
   * Builds the header value ({@code Digest username="...", ...}) answering {@code challenge}.
   *
   * @param nonceCount the nc value: 1 for the first use of this nonce, then 2, 3...
   * @param cnonce the client nonce; pass {@link #newCnonce()} outside tests
   */
  public static String authorization(
      DigestChallenge challenge,
      String username,
      String password,
      String method,
      String digestUri,
      int nonceCount,
      String cnonce) {
    DigestAlgorithm alg =
        DigestAlgorithm.of(challenge.algorithm())
            .orElseThrow(
                () ->
                    new IllegalArgumentException("unsupported algorithm " + challenge.algorithm()));
    boolean qop = challenge.qops().contains("auth");
    String nc = String.format(Locale.ROOT, "%08x", nonceCount);
    String response =
        response(
            alg,
            username,
            challenge.realm(),
            password,
            challenge.nonce(),
            method,
            digestUri,
            qop ? "auth" : null,
            nc,
            cnonce);
    StringBuilder sb = new StringBuilder("Digest ");
    sb.append("username=\"").append(username).append('"');
    sb.append(", realm=\"").append(challenge.realm()).append('"');
    sb.append(", nonce=\"").append(challenge.nonce()).append('"');
    sb.append(", uri=\"").append(digestUri).append('"');
    sb.append(", response=\"").append(response).append('"');
    sb.append(", algorithm=").append(alg.token());
    if (qop) {
      sb.append(", cnonce=\"").append(cnonce).append('"');
      sb.append(", qop=auth, nc=").append(nc);
    }
    challenge.opaque().ifPresent(o -> sb.append(", opaque=\"").append(o).append('"'));
    return sb.toString();
  }

  /**
   * The {@code response=} value. {@code qop} null means the RFC 2069 form without cnonce/nc.
   *
   * @throws IllegalStateException if the JVM lacks the hash (every Java 21 JVM has all three)
   */
  public static String response(
      DigestAlgorithm alg,
      String username,
      String realm,
      String password,
      String nonce,
      String method,
      String digestUri,
      String qop,
      String nc,
      String cnonce) {
    String ha1 = hash(alg, username + ":" + realm + ":" + password);
    if (alg.session()) {
      ha1 = hash(alg, ha1 + ":" + nonce + ":" + cnonce);
    }
    String ha2 = hash(alg, method + ":" + digestUri);
    if (qop == null) {
      return hash(alg, ha1 + ":" + nonce + ":" + ha2);
    }
    return hash(alg, ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2);
  }

  /** 16 random bytes, hex-encoded. */
  public static String newCnonce() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static String hash(DigestAlgorithm alg, String text) {
    try {
      MessageDigest md = MessageDigest.getInstance(alg.jcaName());
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JVM lacks " + alg.jcaName(), e);
    }
  }
}
