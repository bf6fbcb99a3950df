package io.tandem.core.witness;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What the witness keeps durably per cluster.
 *
 * @param cluster cluster name
 * @param holder the holder, or {@code null} after a release
 * @param epoch the highest epoch granted for this cluster or presented by any site (never
 *     decreases; the next grant is {@code epoch + 1})
 * @param expiry when the last grant expires on the witness's wall clock; informative only (after a
 *     restart the witness covers the holder for a full {@code ttl} on its monotonic clock instead)
 * @param ttl the longest lease granted under the holder's epoch (the restart cover)
 * @param holderEpoch the epoch the holder was granted; {@code epoch} unless a site presented a
 *     newer one since (then the holder's renewals are refused); 0 without a holder
 */
public record PersistedTicket(
    String cluster, String holder, long epoch, Instant expiry, Duration ttl, long holderEpoch) {

  public PersistedTicket {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(expiry, "expiry");
    Objects.requireNonNull(ttl, "ttl");
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, was " + epoch);
    }
    if (holder == null ? holderEpoch != 0 : holderEpoch < 1 || holderEpoch > epoch) {
      throw new IllegalArgumentException(
          "holderEpoch must be in [1, epoch] with a holder and 0 without, was " + holderEpoch);
    }
  }

  /** A record whose holder (if any) holds the newest epoch. */
  public PersistedTicket(String cluster, String holder, long epoch, Instant expiry, Duration ttl) {
    this(cluster, holder, epoch, expiry, ttl, holder == null ? 0 : epoch);
  }
}
