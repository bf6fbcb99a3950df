package io.tandem.core.witness;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The witness's grant: which site may be active in a cluster, under which epoch, until when.
 *
 * <p>{@code expiry} is on the <em>witness's</em> clock and is informative for agents: an agent
 * computes its own local deadline from its monotonic clock and {@code ttl} (see {@code
 * TicketHolder}), never from {@code expiry}.
 *
 * @param cluster cluster name
 * @param holder site that holds the ticket
 * @param epoch fencing epoch; only ever grows for a cluster
 * @param expiry when the witness considers the ticket expired (witness clock)
 * @param ttl the lease length the witness granted
 */
public record Ticket(String cluster, String holder, long epoch, Instant expiry, Duration ttl) {

  public Ticket {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(holder, "holder");
    Objects.requireNonNull(expiry, "expiry");
    Objects.requireNonNull(ttl, "ttl");
    if (epoch < 1) {
      throw new IllegalArgumentException("epoch must be >= 1, was " + epoch);
    }
  }

  /** Whether {@code site} holds this ticket under {@code epoch}. */
  public boolean heldBy(String site, long epoch) {
    return holder.equals(site) && this.epoch == epoch;
  }

  /** The fencing token every external change made under this ticket must carry. */
  public FencingToken token() {
    return new FencingToken(cluster, holder, epoch);
  }
}
