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

  /**
   * Whether two acquires of one site in flight at once are both answered with the grant
   * (docs/witness-protocol.md, rule 2: an acquire by the holder of the newest epoch keeps that
   * epoch). Only then may an agent resend an overdue acquire before the first is answered (issue
   * 17.1: a lost acquire datagram must not cost a whole retry timeout). True where the witness
   * serialises a cluster's requests (the built-in witness: one lock per cluster). Backends that
   * grant by a conditional write answer the loser of a same-site race with a refusal naming this
   * very site: {@code EtcdWitness.grant}'s transaction on {@code create_revision == 0} ("not
   * granted: another site acquired first"), {@code BlobLeaseWitness}'s lease acquire with {@code
   * If-Match} (409/412: "lost the race for the lease"); an agent that took that refusal would stand
   * by and then release its own late grant. Their calls go over TCP with their own timeouts, so a
   * resend would buy nothing anyway.
   */
  default boolean answersConcurrentAcquiresAlike() {
    return false;
  }

  /** Release network resources. Does not release the ticket. */
  @Override
  default void close() {}
}
