package io.tandem.core.agent;

import java.util.Objects;

/**
 * What an agent tells its peers every tick over the peer link.
 *
 * @param site the reporting site
 * @param state its state
 * @param healthy its health verdict
 * @param priority its priority (lower is preferred)
 * @param witnessReachable whether it currently reaches the witness
 * @param promiseBound whether it is bound by a promise not to acquire
 * @param handingOverTo during a switchover or hand-over: the site that should acquire next, else
 *     null
 * @param receivedAtNanos set by the receiver: its monotonic time of receipt
 */
public record PeerReport(
    String site,
    AgentState state,
    boolean healthy,
    int priority,
    boolean witnessReachable,
    boolean promiseBound,
    String handingOverTo,
    long receivedAtNanos) {

  public PeerReport {
    Objects.requireNonNull(site, "site");
    Objects.requireNonNull(state, "state");
  }

  public PeerReport receivedAt(long nanos) {
    return new PeerReport(
        site, state, healthy, priority, witnessReachable, promiseBound, handingOverTo, nanos);
  }

  /** Whether this site ranks before {@code other} (priority, then name). */
  boolean ranksBefore(int otherPriority, String otherSite) {
    return priority != otherPriority ? priority < otherPriority : site.compareTo(otherSite) < 0;
  }
}
