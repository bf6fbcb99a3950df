package io.tandem.core.witness;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What the witness keeps durably per cluster.
 *
 * @param cluster cluster name
 * @param holder the holder, or {@code null} after a release
 * @param epoch the last epoch granted for this cluster (never decreases)
 * @param expiry when the last grant or renewal expires on the witness's clock
 * @param ttl the last granted lease length
 */
public record PersistedTicket(
    String cluster, String holder, long epoch, Instant expiry, Duration ttl) {

  public PersistedTicket {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(expiry, "expiry");
    Objects.requireNonNull(ttl, "ttl");
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, was " + epoch);
    }
  }
}
