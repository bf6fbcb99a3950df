package io.tandem.core.agent;

/**
 * The active site's side of the witness-outage failsafe: from the latest promise of every peer, the
 * instant (our monotonic clock) until which all of them have promised not to acquire.
 *
 * <p>A promise covers a window, "I will not acquire before T", renewed every tick: it counts from
 * the send time of the request it answers (the promiser started counting later, on a clock that may
 * run a little faster, so we subtract the drift margin) until that plus the promised duration. A
 * single lost request or answer therefore changes nothing; only a peer that stops promising for
 * most of a window, or refuses, ends the cover. The cover ends {@code fenceLead} before the
 * earliest window closes, so the fence that follows (budget {@code fenceLead}) is over before any
 * peer may acquire. Not thread-safe: owned by {@link DecisionLoop}.
 */
final class FailsafeCover {

  private final AgentSettings settings;
  private boolean running;
  private long until;

  FailsafeCover(AgentSettings settings) {
    this.settings = settings;
  }

  /**
   * Recompute from this tick's promises. Covers only if every peer's latest promise holds and
   * answers a request sent since {@code activeSinceNanos} (a promise from an earlier ACTIVE period
   * may have been freed since: the promiser saw us stand down).
   */
  void update(TickSnapshot s, long activeSinceNanos) {
    long horizon = Long.MAX_VALUE;
    for (String peer : settings.peers()) {
      PeerPromise p = s.promises().get(peer);
      if (!counts(p) || p.requestSentAtNanos() - activeSinceNanos < 0) {
        stop();
        return;
      }
      horizon = Math.min(horizon, end(p));
    }
    running = true;
    until = horizon - lead();
  }

  void stop() {
    running = false;
  }

  /** Whether the promises cover us at {@code nowNanos}. */
  boolean covers(long nowNanos) {
    return running && nowNanos - until < 0;
  }

  long remainingNanos(long nowNanos) {
    return until - nowNanos;
  }

  /** The first peer (by name) whose promise does not cover us, with its refusal if it refused. */
  String missing(TickSnapshot s) {
    for (String peer : settings.peers().stream().sorted().toList()) {
      PeerPromise p = s.promises().get(peer);
      if (!counts(p) || end(p) - lead() - s.nowNanos() <= 0) {
        return peer + (p != null && !p.promised() ? " (" + p.words() + ")" : "");
      }
    }
    return settings.peers().isEmpty() ? "no peer" : "a peer";
  }

  private boolean counts(PeerPromise p) {
    return p != null && p.promised() && p.promisee().equals(settings.site());
  }

  private long end(PeerPromise p) {
    return p.requestSentAtNanos() + p.durationNanos() - settings.driftMargin().toNanos();
  }

  private long lead() {
    // the failsafe's fence has the fence lead as its budget (at least one tick)
    return Math.max(settings.fenceLead().toNanos(), settings.tick().toNanos());
  }
}
