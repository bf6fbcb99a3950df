package io.tandem.app.witness;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA256 (RFC 2104) of a datagram under a key of at most one block, computed over this
 * thread's SHA-256 {@link MessageDigest} into arrays it reuses: the witness's datagram listener
 * checks one MAC and writes another per datagram, 50,000 times a second at 10,000 clusters, and
 * allocates nothing for them. Hand-written because {@code javax.crypto.Mac} allocates for each MAC
 * (a copy of the key at every {@code init}, a new result at every {@code doFinal}, even {@code
 * doFinal(byte[], int)} copies from one); that garbage paced the witness's young collections. The
 * digest itself is the JDK's; this class only adds RFC 2104's two pads. Its results are {@code
 * Mac.getInstance("HmacSHA256")}'s (WitnessDatagramWireProperties: RFC 4231's vectors and random
 * inputs against the JDK's). One per thread ({@link #get()}), not thread-safe.
 */
final class DatagramMac {

  /** SHA-256's block: longer keys are not supported (a datagram key is 32 bytes). */
  static final int BLOCK = 64;

  /** The full HMAC-SHA256 length. */
  static final int LENGTH = 32;

  private static final ThreadLocal<DatagramMac> PER_THREAD =
      ThreadLocal.withInitial(DatagramMac::new);

  private final MessageDigest sha;
  private final byte[] pad = new byte[BLOCK];
  private final byte[] inner = new byte[LENGTH];
  private final byte[] result = new byte[LENGTH];

  private DatagramMac() {
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  /** This thread's instance. */
  static DatagramMac get() {
    return PER_THREAD.get();
  }

  /**
   * The MAC of {@code data[off, off + len)} under {@code key}, in an array this instance reuses
   * (valid until its next use on this thread).
   */
  byte[] compute(byte[] key, byte[] data, int off, int len) {
    if (key.length > BLOCK) {
      throw new IllegalArgumentException("a datagram key is at most " + BLOCK + " bytes");
    }
    try {
      padWith(key, (byte) 0x36);
      sha.update(pad);
      sha.update(data, off, len);
      sha.digest(inner, 0, LENGTH);
      padWith(key, (byte) 0x5c);
      sha.update(pad);
      sha.update(inner);
      sha.digest(result, 0, LENGTH);
    } catch (DigestException e) {
      throw new IllegalStateException("SHA-256 digest into a 32-byte array failed", e);
    }
    return result;
  }

  /**
   * Whether {@code d[macOff, macOff + macLen)} is the first {@code macLen} bytes of the MAC of
   * {@code d[0, macOff)}; compared in constant time (every byte, whatever differs).
   */
  boolean verify(byte[] key, byte[] d, int macOff, int macLen) {
    byte[] mac = compute(key, d, 0, macOff);
    int diff = 0;
    for (int i = 0; i < macLen; i++) {
      diff |= mac[i] ^ d[macOff + i];
    }
    return diff == 0;
  }

  private void padWith(byte[] key, byte with) {
    for (int i = 0; i < BLOCK; i++) {
      pad[i] = (byte) ((i < key.length ? key[i] : 0) ^ with);
    }
  }
}
