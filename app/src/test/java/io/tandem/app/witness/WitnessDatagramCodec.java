package io.tandem.app.witness;

import java.nio.charset.StandardCharsets;
import javax.crypto.spec.SecretKeySpec;

/**
 * The product's datagram encoder ({@link WitnessDatagram}, package-private) opened to the witness
 * benchmark's generator, so the benchmark sends what {@link DatagramWitness} sends from one source
 * of truth ({@code DatagramLoadTest} holds the bytes equal). Test code only.
 */
public final class WitnessDatagramCodec {

  private WitnessDatagramCodec() {}

  /** The key a site's datagrams are authenticated with (as {@link DatagramWitness} derives it). */
  public static SecretKeySpec key(String siteSecret, String cluster, String site) {
    return WitnessDatagram.key(siteSecret.getBytes(StandardCharsets.UTF_8), cluster, site);
  }

  /** A renewal, as {@link DatagramWitness#renew} sends it. */
  public static byte[] renew(
      SecretKeySpec key,
      long nonce,
      String cluster,
      String site,
      long epoch,
      long ttlMillis,
      boolean healthy) {
    return WitnessDatagram.renew(key, nonce, cluster, site, epoch, ttlMillis, healthy);
  }

  /** A ticket read, as {@link DatagramWitness#observe} sends it. */
  public static byte[] read(SecretKeySpec key, long nonce, String cluster, String site) {
    return WitnessDatagram.read(key, nonce, cluster, site);
  }

  /** The agent's client with its clock given (for the byte comparison's fixed nonces). */
  public static DatagramWitness client(
      HttpWitness https,
      java.net.URI base,
      String site,
      String secret,
      java.time.Duration timeout,
      java.time.Clock clock) {
    return new DatagramWitness(https, base, site, () -> secret, timeout, clock);
  }

  /** Offset of the status byte in an answer to a request of {@code cluster} and {@code site}. */
  public static int statusOffset(String cluster, String site) {
    return 12 + 1 + cluster.length() + 1 + site.length();
  }

  /** The status byte's value of a granted-or-refused answer ({@code Status.RESULT}). */
  public static final int RESULT = WitnessDatagram.Status.RESULT.ordinal();
}
