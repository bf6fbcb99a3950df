package io.tandem.core.witness;

import java.time.Duration;
import java.util.Objects;

/**
 * A site's request to the witness.
 *
 * @param cluster cluster name
 * @param site requesting site
 * @param healthy whether the site reports itself healthy (the witness grants only to healthy sites)
 * @param ttl the lease length asked for
 * @param epoch for a renewal or release: the epoch the site believes it holds; 0 for an acquire
 * @param force a forced acquire (the operator acknowledged the danger, as booth's {@code grant -F})
 */
public record TicketRequest(
    String cluster, String site, boolean healthy, Duration ttl, long epoch, boolean force) {

  public TicketRequest {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(site, "site");
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, was " + ttl);
    }
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, was " + epoch);
    }
  }

  public static TicketRequest acquire(String cluster, String site, boolean healthy, Duration ttl) {
    return new TicketRequest(cluster, site, healthy, ttl, 0, false);
  }

  public static TicketRequest renew(
      String cluster, String site, boolean healthy, Duration ttl, long epoch) {
    return new TicketRequest(cluster, site, healthy, ttl, epoch, false);
  }
}
