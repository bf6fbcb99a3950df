package io.tandem.core.agent;

/**
 * The active site's side of the witness-outage failsafe: from the latest promise of every peer, the
 * instant (our monotonic clock) until which all of them have promised not to acquire. A promise
 * counts only if it answers a request we sent within the last tick and a half, and it is anchored
 * at that request's send time minus the drift margin (the promiser started counting later, on a
 * clock that may run a little faster). Not thread-safe: owned by {@link DecisionLoop}.
 */
final class FailsafeCover {

  private final AgentSettings settings;
  private boolean running;
  private long until;

  FailsafeCover(AgentSettings settings) {
    this.settings = settings;
  }

  /** Recompute from this tick's promises. Covers only if every peer has a fresh promise. */
  void update(TickSnapshot s) {
    long horizon = Long.MAX_VALUE;
    for (String peer : settings.peers()) {
      PeerPromise p = s.promises().get(peer);
      if (!fresh(p, s.nowNanos())) {
        stop();
        return;
      }
      long end = p.requestSentAtNanos() + p.durationNanos() - settings.driftMargin().toNanos();
      horizon = Math.min(horizon, end);
    }
    running = true;
    until = horizon;
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

  /** The first peer (by name) whose fresh promise is missing, with its refusal if it refused. */
  String missing(TickSnapshot s) {
    for (String peer : settings.peers().stream().sorted().toList()) {
      PeerPromise p = s.promises().get(peer);
      if (!fresh(p, s.nowNanos())) {
        return peer + (p != null && !p.promised() ? " (" + p.words() + ")" : "");
      }
    }
    return settings.peers().isEmpty() ? "no peer" : "a peer";
  }

  private boolean fresh(PeerPromise p, long nowNanos) {
    long freshAfter = nowNanos - settings.tick().toNanos() * 3 / 2;
    return p != null
        && p.promised()
        && p.promisee().equals(settings.site())
        && p.requestSentAtNanos() - freshAfter >= 0;
  }
}
