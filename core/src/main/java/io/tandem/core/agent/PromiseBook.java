package io.tandem.core.agent;

import java.util.HashMap;
import java.util.Map;

/**
 * The promises this site gave its peers (the promiser's side of the witness-outage failsafe): per
 * promisee, until when (our clock) we promised not to acquire, and the send time (its clock) of the
 * latest request we promised in answer to.
 *
 * <p>A promise lasts {@code ticketTtl} if the requester relies on promises now (its latest report
 * says it cannot reach or renew with the witness, or we have none), else the shorter {@link
 * #readyNanos()}: an active site asks on every tick so that promises are there the moment it needs
 * them, and a standby must not stay bound for a whole TTL after a healthy active site died (a
 * witness that times a dead holder from a contender's first look, as the DynamoDB scheme does,
 * would add that TTL to every failover). The requester counts a promise only for the duration it
 * states, so a short one is safe; it only covers less. A promise ends early once its promisee
 * reports, on its own clock and after the request, that it needs none ({@link PeerReport#frees}): a
 * report delivered late can never free a newer promise. Not thread-safe: owned by {@link
 * DecisionLoop}.
 */
final class PromiseBook {

  private final AgentSettings settings;
  private final Map<String, Long> until = new HashMap<>();
  private final Map<String, Long> request = new HashMap<>();

  PromiseBook(AgentSettings settings) {
    this.settings = settings;
  }

  /** Promise {@code from} not to acquire, or refuse with {@code refusal} if it is not null. */
  PeerPromise answer(
      String from,
      long requestSentAtNanos,
      long nowNanos,
      PeerReport requester,
      AgentState state,
      String refusal) {
    if (refusal != null) {
      return new PeerPromise(
          settings.site(), from, requestSentAtNanos, nowNanos, nowNanos, false, refusal);
    }
    long duration =
        requester == null || !requester.witnessReachable()
            ? settings.ticketTtl().toNanos()
            : readyNanos();
    long end = nowNanos + duration;
    until.merge(from, end, (a, b) -> b - a > 0 ? b : a);
    request.merge(from, requestSentAtNanos, (a, b) -> b - a > 0 ? b : a);
    return new PeerPromise(
        settings.site(),
        from,
        requestSentAtNanos,
        nowNanos,
        end,
        true,
        settings.site()
            + " is "
            + state
            + " and will not acquire for "
            + Outcome.secs(duration)
            + " s");
  }

  /**
   * How long a promise to an active site that still renews lasts: the peer report timeout (after
   * which a silent site counts as gone anyway) plus the fence lead and drift margin the requester
   * takes off, so the promise asked for on the tick before the witness went away still covers the
   * requester through one lost round; never longer than a TTL.
   */
  long readyNanos() {
    long ready =
        settings.peerReportTimeout().toNanos()
            + settings.fenceLead().toNanos()
            + settings.driftMargin().toNanos();
    return Math.min(ready, settings.ticketTtl().toNanos());
  }

  /** Forget the promises whose promisee has since reported that it needs none. */
  void releaseFreed(Iterable<PeerReport> reports) {
    for (PeerReport r : reports) {
      Long sent = request.get(r.site());
      if (sent != null && r.frees(sent)) {
        until.remove(r.site());
        request.remove(r.site());
      }
    }
  }

  /** Whether a promise still forbids us to acquire at {@code nowNanos}. */
  boolean bound(long nowNanos) {
    return end(nowNanos) != Long.MIN_VALUE;
  }

  /** The end of the latest promise still binding us at {@code nowNanos}, else MIN_VALUE. */
  long end(long nowNanos) {
    long end = Long.MIN_VALUE;
    for (long u : until.values()) {
      if (nowNanos - u < 0 && (end == Long.MIN_VALUE || u - end > 0)) {
        end = u;
      }
    }
    return end;
  }

  /** The words of a tick that does not acquire because of a promise. */
  String holdWords(long nowNanos) {
    return "no action: promised a peer not to acquire for another "
        + Outcome.secs(end(nowNanos) - nowNanos)
        + " s";
  }
}
