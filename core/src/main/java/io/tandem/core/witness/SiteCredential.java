package io.tandem.core.witness;

import java.util.Arrays;

/**
 * What a site presents to prove its identity to the witness (e.g. the shared secret read from an
 * env var or file). The bytes are copied in and out; {@link #toString()} never shows them.
 */
public final class SiteCredential {

  /** No credential: accepted only by {@link SiteAuthenticator#inProcess()}. */
  public static final SiteCredential NONE = new SiteCredential(new byte[0]);

  private final byte[] secret;

  private SiteCredential(byte[] secret) {
    this.secret = secret;
  }

  public static SiteCredential of(byte[] secret) {
    return new SiteCredential(secret.clone());
  }

  /** A copy of the secret bytes; the caller should overwrite it when done. */
  public byte[] secret() {
    return secret.clone();
  }

  public boolean isEmpty() {
    return secret.length == 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SiteCredential other && Arrays.equals(secret, other.secret);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(secret);
  }

  @Override
  public String toString() {
    return "SiteCredential[redacted]";
  }
}
