package io.tandem.core.witness;

import java.util.Optional;

/**
 * Port to the external witness that grants one ticket per cluster (built-in witness server, etcd,
 * DynamoDB, Azure Blob lease).
 *
 * <p>Contract for every implementation:
 *
 * <ul>
 *   <li>At most one site holds a valid ticket per cluster at any instant of the witness's clock.
 *   <li>Epochs only grow; a new holder always gets a strictly greater epoch than any granted
 *       before, persisted before the grant is answered (also across restarts of the witness).
 *   <li>A ticket passes to another site only after it expired on the witness's clock plus a grace
 *       period, and only to a requester that reports itself healthy (unless forced).
 *   <li>Every call has a bounded timeout; an unreachable witness throws {@link
 *       io.tandem.core.error.TransientException}, never blocks indefinitely. Refusals are answers
 *       ({@link TicketResult#granted()} false), not exceptions.
 *   <li>Implementations are thread-safe.
 * </ul>
 */
public interface Witness extends AutoCloseable {

  /** Ask for the ticket. Granted if nobody holds a valid one (or the requester already does). */
  TicketResult acquire(TicketRequest request);

  /** Extend the ticket the requester holds under {@code request.epoch()}. */
  TicketResult renew(TicketRequest request);

  /** Give the ticket back early (planned switchover). Idempotent; no-op if not held. */
  void release(String cluster, String site, long epoch);

  /** Read the current ticket without changing anything. */
  Optional<Ticket> observe(String cluster);

  /** Release network resources. Does not release the ticket. */
  @Override
  default void close() {}
}
