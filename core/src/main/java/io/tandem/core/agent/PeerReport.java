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
 * @param servingEpoch the epoch its PBX serves (or may still serve) under: set when it activates,
 *     cleared only when a fence of its PBX completed; 0 if not serving
 * @param activeCalls calls up on its PBX, or -1 if unknown (a successor watches a handing-over site
 *     drain)
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
    long servingEpoch,
    int activeCalls,
    long receivedAtNanos) {

  public PeerReport {
    Objects.requireNonNull(site, "site");
    Objects.requireNonNull(state, "state");
    if (servingEpoch < 0) {
      throw new IllegalArgumentException("servingEpoch must be >= 0, was " + servingEpoch);
    }
    if (activeCalls < -1) {
      throw new IllegalArgumentException("activeCalls must be >= -1, was " + activeCalls);
    }
  }

  public PeerReport receivedAt(long nanos) {
    return new PeerReport(
        site,
        state,
        healthy,
        priority,
        witnessReachable,
        promiseBound,
        handingOverTo,
        servingEpoch,
        activeCalls,
        nanos);
  }

  /** Whether its PBX serves (or may still serve). */
  public boolean serving() {
    return servingEpoch > 0;
  }

  /** Whether this site ranks before {@code other} (priority, then name). */
  boolean ranksBefore(int otherPriority, String otherSite) {
    return priority != otherPriority ? priority < otherPriority : site.compareTo(otherSite) < 0;
  }
}
