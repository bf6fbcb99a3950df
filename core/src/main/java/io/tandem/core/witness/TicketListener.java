package io.tandem.core.witness;

/**
 * Told about changes of a {@link TicketHolder}'s ticket. Thread guarantee: callbacks run on the
 * thread whose call caused the change, while the holder's lock is held, in the order the changes
 * happened; so they must be quick and must not block (hand slow work such as running the fencing
 * runbook to an executor). They may call back into the holder. A callback that throws is logged and
 * does not stop the others.
 *
 * <p>As with Curator's {@code LeaderLatch}: losing contact is losing the ticket. {@link #selfFence}
 * fires before the local deadline when renewals have not succeeded; after it, assume the ticket is
 * gone even if a late renewal later succeeds (a late success fires {@link #acquired} again).
 */
public interface TicketListener {

  /** We now hold {@code ticket} (first grant, or a grant after the ticket lapsed). */
  default void acquired(Ticket ticket) {}

  /**
   * Renewals have failed and the local deadline is near (within the fence lead): stop serving now.
   *
   * @param epoch the epoch that is about to lapse
   * @param reason words for the decision log, e.g. "ticket renewal failed for 4.1 s"
   */
  default void selfFence(long epoch, String reason) {}

  /** The witness refused our epoch (another site was granted a newer one) or we released it. */
  default void lost(long epoch, String reason) {}
}
