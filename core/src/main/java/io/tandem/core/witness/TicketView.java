package io.tandem.core.witness;

/**
 * An immutable view of a {@link TicketHolder} at one instant of the agent's monotonic clock.
 *
 * @param state the holder's state
 * @param epoch the epoch last held (0 if never)
 * @param deadlineNanos local deadline on the monotonic clock: send time of the last granted request
 *     + granted TTL − drift margin
 * @param basisSentNanos send time of the request whose grant set the deadline
 * @param failingSinceNanos send time of the first unanswered or failed renewal since the last
 *     grant, or {@link Long#MIN_VALUE} if none is failing
 * @param nowNanos the instant the view was taken
 */
public record TicketView(
    TicketHolder.State state,
    long epoch,
    long deadlineNanos,
    long basisSentNanos,
    long failingSinceNanos,
    long nowNanos) {

  public static final TicketView NONE =
      new TicketView(TicketHolder.State.NONE, 0, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, 0);

  /** Whether we hold a ticket that has not reached its local deadline. */
  public boolean valid() {
    return (state == TicketHolder.State.HELD || state == TicketHolder.State.FENCE_DUE)
        && nowNanos - deadlineNanos < 0;
  }

  /** Nanos left before the local deadline (negative if past). */
  public long remainingNanos() {
    return deadlineNanos - nowNanos;
  }

  /** How long renewals have been failing, in nanos (0 if they are not). */
  public long failingForNanos() {
    return failingSinceNanos == Long.MIN_VALUE ? 0 : nowNanos - failingSinceNanos;
  }
}
