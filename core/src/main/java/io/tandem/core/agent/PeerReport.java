package io.tandem.core.agent;

import io.tandem.core.health.HealthLevel;
import java.util.Objects;

/**
 * What an agent tells its peers every tick over the peer link.
 *
 * @param site the reporting site
 * @param state its state
 * @param healthy its health verdict
 * @param healthLevel its health's level: {@code FAIL} exactly when not {@code healthy}, {@code
 *     WARN} when healthy but below the warning level (display only: decisions read {@code
 *     healthy}); derived from {@code healthy} when null (an older agent's report)
 * @param priority its priority (lower is preferred)
 * @param witnessReachable whether it currently reaches the witness
 * @param promiseBound whether it is bound by a promise not to acquire
 * @param handingOverTo during a switchover or hand-over: the site that should acquire next, else
 *     null
 * @param servingEpoch the epoch its PBX serves (or may still serve) under: set when it activates,
 *     cleared only when a fence of its PBX completed; 0 if not serving
 * @param activeCalls calls up on its PBX, or -1 if unknown (a successor watches a handing-over site
 *     drain)
 * @param promisesFreeAtNanos when (the reporter's monotonic clock) it made this report, if it then
 *     needed no promise any more (not ACTIVE and its PBX's fence confirmed): a peer that promised
 *     it, in answer to a request sent before that instant, is free again. {@link Long#MIN_VALUE} if
 *     it may rely on promises (or is an older agent). Compared only with the reporter's own request
 *     times, so a report delivered late can never free a newer promise.
 * @param receivedAtNanos set by the receiver: its monotonic time of receipt
 */
public record PeerReport(
    String site,
    AgentState state,
    boolean healthy,
    HealthLevel healthLevel,
    int priority,
    boolean witnessReachable,
    boolean promiseBound,
    String handingOverTo,
    long servingEpoch,
    int activeCalls,
    long promisesFreeAtNanos,
    long receivedAtNanos) {

  /** {@link #promisesFreeAtNanos} of a site that may rely on promises. */
  public static final long NEEDS_PROMISES = Long.MIN_VALUE;

  public PeerReport {
    Objects.requireNonNull(site, "site");
    Objects.requireNonNull(state, "state");
    // one verdict: a level that says otherwise than healthy (or none) is read from healthy
    if (!healthy) {
      healthLevel = HealthLevel.FAIL;
    } else if (healthLevel == null || healthLevel == HealthLevel.FAIL) {
      healthLevel = HealthLevel.OK;
    }
    if (servingEpoch < 0) {
      throw new IllegalArgumentException("servingEpoch must be >= 0, was " + servingEpoch);
    }
    if (activeCalls < -1) {
      throw new IllegalArgumentException("activeCalls must be >= -1, was " + activeCalls);
    }
  }

  /** A report without a health level (an older agent's): OK or FAIL from {@code healthy}. */
  public PeerReport(
      String site,
      AgentState state,
      boolean healthy,
      int priority,
      boolean witnessReachable,
      boolean promiseBound,
      String handingOverTo,
      long servingEpoch,
      int activeCalls,
      long promisesFreeAtNanos,
      long receivedAtNanos) {
    this(
        site,
        state,
        healthy,
        null,
        priority,
        witnessReachable,
        promiseBound,
        handingOverTo,
        servingEpoch,
        activeCalls,
        promisesFreeAtNanos,
        receivedAtNanos);
  }

  public PeerReport receivedAt(long nanos) {
    return new PeerReport(
        site,
        state,
        healthy,
        healthLevel,
        priority,
        witnessReachable,
        promiseBound,
        handingOverTo,
        servingEpoch,
        activeCalls,
        promisesFreeAtNanos,
        nanos);
  }

  /** Whether a promise answering a request it sent at {@code requestSentAtNanos} is over. */
  public boolean frees(long requestSentAtNanos) {
    return promisesFreeAtNanos != NEEDS_PROMISES && promisesFreeAtNanos - requestSentAtNanos > 0;
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
