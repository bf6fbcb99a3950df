package io.tandem.app.peer;

import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.PeerPromise;
import io.tandem.core.agent.PeerReport;
import io.tandem.core.health.HealthLevel;

/**
 * The peer link's JSON bodies. Nanosecond values are on the monotonic clock of the agent that made
 * them and are never compared with the receiver's clock: a report's receipt time is stamped by the
 * receiver ({@link io.tandem.core.agent.PeerBoard}); a promise request's send time is the
 * requester's and comes back unchanged in the promise; a promise's issue and expiry times are the
 * promiser's and count only through their difference (the promised duration), which the requester
 * anchors at its own send time (see {@code DecisionLoop}'s failsafe).
 */
public final class PeerMessages {

  private PeerMessages() {}

  /**
   * What a site says about itself every tick.
   *
   * @param servingEpoch the epoch its PBX serves (or may still serve) under, 0 if not serving
   *     (absent from an older agent: 0)
   * @param activeCalls calls up on its PBX, -1 if unknown (absent from an older agent: unknown)
   * @param promisesFreeAtNanos its clock when it made the report, if it needed no promise any more
   *     (absent or null: it may rely on promises, as an older agent always may)
   * @param healthLevel OK, WARN or FAIL (absent from an older agent: OK or FAIL from {@code
   *     healthy})
   */
  public record Report(
      String site,
      AgentState state,
      boolean healthy,
      int priority,
      boolean witnessReachable,
      boolean promiseBound,
      String handingOverTo,
      Long servingEpoch,
      Integer activeCalls,
      Long promisesFreeAtNanos,
      HealthLevel healthLevel) {

    public Report {
      if (servingEpoch != null && servingEpoch < 0) {
        throw new IllegalArgumentException("servingEpoch must be >= 0");
      }
      if (activeCalls != null && activeCalls < -1) {
        throw new IllegalArgumentException("activeCalls must be >= -1");
      }
    }

    public static Report of(PeerReport r) {
      return new Report(
          r.site(),
          r.state(),
          r.healthy(),
          r.priority(),
          r.witnessReachable(),
          r.promiseBound(),
          r.handingOverTo(),
          r.servingEpoch(),
          r.activeCalls(),
          r.promisesFreeAtNanos() == PeerReport.NEEDS_PROMISES ? null : r.promisesFreeAtNanos(),
          r.healthLevel());
    }

    /** The core report, receipt time left for the board to stamp. */
    public PeerReport toCore() {
      return new PeerReport(
          site,
          state,
          healthy,
          healthLevel,
          priority,
          witnessReachable,
          promiseBound,
          handingOverTo,
          servingEpoch == null ? 0 : servingEpoch,
          activeCalls == null ? -1 : activeCalls,
          promisesFreeAtNanos == null ? PeerReport.NEEDS_PROMISES : promisesFreeAtNanos,
          0);
    }
  }

  /** "Promise me you will not acquire": {@code sentAtNanos} is the requester's clock. */
  public record PromiseRequest(String from, long sentAtNanos) {}

  /** A promise (or a refusal to promise) answering a request. */
  public record Promise(
      String promiser,
      String promisee,
      long requestSentAtNanos,
      long issuedAtNanos,
      long expiresAtNanos,
      boolean promised,
      String words) {

    public static Promise of(PeerPromise p) {
      return new Promise(
          p.promiser(),
          p.promisee(),
          p.requestSentAtNanos(),
          p.issuedAtNanos(),
          p.expiresAtNanos(),
          p.promised(),
          p.words());
    }

    public PeerPromise toCore() {
      return new PeerPromise(
          promiser, promisee, requestSentAtNanos, issuedAtNanos, expiresAtNanos, promised, words);
    }
  }
}
