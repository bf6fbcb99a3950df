package io.tandem.core.agent;

import io.tandem.core.witness.TicketView;

/**
 * ACQUIRING rules that keep a site from serving beside another (docs/witness-protocol.md):
 *
 * <ul>
 *   <li>A forced acquire the witness holds back (it preempted the holder and waits for its ticket
 *       to lapse, rule 2) keeps the site in ACQUIRING, asking again once a tick, for at most {@link
 *       #waitNanos}: FORCED_ACQUIRE_WAITING with the witness's words.
 *   <li>A grant of an epoch this site itself released is released again, never served under: the
 *       witness had not seen a release still on its way, which would free the grant once it lands
 *       (sweep seeds -9973823, -9968415, -9997326 in {@code SweepRegressionTest}).
 * </ul>
 *
 * Called by {@link StandbyRules} under the loop's lock.
 */
final class ForcedWait {

  private ForcedWait() {}

  /** A forced acquire was just sent. */
  static void started(DecisionLoop l, long now) {
    l.forceSentAt = now;
    l.forceWaitUntil = now + waitNanos(l.settings);
  }

  /**
   * How long a forced acquire keeps asking: the longest any backend lets a preempted ticket run
   * (TTL, or an Azure blob lease of at least 15 s, plus grace and the witness's restart cover).
   */
  static long waitNanos(AgentSettings settings) {
    return 3 * settings.ticketTtl().toNanos()
        + 2 * settings.witnessGrace().toNanos()
        + 15_000_000_000L;
  }

  /** The decision while a forced acquire waits for the witness, or null if none waits. */
  static Outcome waiting(DecisionLoop l, boolean refused, long now) {
    if (l.forceWaitUntil == Long.MIN_VALUE || now - l.forceWaitUntil >= 0) {
      l.forceWaitUntil = Long.MIN_VALUE;
      return null;
    }
    if (refused) {
      String why = l.holder.lastRefusal();
      boolean again = now - l.forceSentAt >= l.settings.tick().toNanos();
      if (again) {
        l.forceSentAt = now;
      }
      return l.stay(
          again ? Action.FORCE_ACQUIRE : Action.NONE,
          ReasonCode.FORCED_ACQUIRE_WAITING,
          why.startsWith("forced acquire:") ? why : "forced acquire: the witness " + why);
    }
    if (now - l.forceSentAt > l.settings.retryTimeout().toNanos()) {
      String words =
          "forced acquire: no answer from the witness in "
              + Outcome.secs(now - l.forceSentAt)
              + " s; asking again";
      l.forceSentAt = now;
      return l.stay(Action.FORCE_ACQUIRE, ReasonCode.FORCED_ACQUIRE_WAITING, words);
    }
    return l.stay(Action.NONE, ReasonCode.AWAITING_WITNESS, "waiting for the witness's answer");
  }

  /** Release a grant of an epoch this site released (and stand by), or null. */
  static Outcome releasedEpochRegranted(DecisionLoop l, TicketView t) {
    if (!t.valid() || t.basisSentNanos() - l.acquiringSince < 0 || t.epoch() > l.releasedEpoch) {
      return null;
    }
    l.forceWaitUntil = Long.MIN_VALUE;
    return l.move(
        AgentState.STANDBY,
        Action.RELEASE,
        ReasonCode.UNEXPECTED_TICKET_RELEASED,
        "releasing: the witness granted epoch "
            + t.epoch()
            + " again, which this site released (the release may still be on its way);"
            + " asking for a fresh epoch");
  }
}
