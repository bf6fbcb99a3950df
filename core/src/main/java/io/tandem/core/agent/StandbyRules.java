package io.tandem.core.agent;

import io.tandem.core.witness.TicketView;

/**
 * The decision loop's rules for the states that do not serve: STARTING (start-up fence and hold),
 * STANDBY (who acquires, who defers) and ACQUIRING (the witness's answer). Called by {@link
 * DecisionLoop} under its lock; they read and update its state.
 */
final class StandbyRules {

  private StandbyRules() {}

  static Outcome starting(DecisionLoop l, TickSnapshot s) {
    FenceStatus f = s.fence();
    if (f.phase() == FenceStatus.Phase.NONE) {
      return l.stay(
          Action.FENCE,
          ReasonCode.STARTUP_FENCE,
          "starting: fencing the local PBX (a new agent process never assumes it serves)");
    }
    if (f.phase() == FenceStatus.Phase.UNKNOWN) {
      return l.stay(
          Action.FENCE,
          ReasonCode.FENCE_UNKNOWN,
          "starting: the start-up fence is unknown ("
              + f.words()
              + "); fencing again (attempt "
              + (f.attempts() + 1)
              + ")");
    }
    long left = l.startedAt + l.settings.startupHold().toNanos() - s.nowNanos();
    if (f.phase() == FenceStatus.Phase.PENDING) {
      return l.stay(
          Action.NONE,
          ReasonCode.STARTUP_HOLD,
          "starting: fencing the local PBX; not acquiring for another "
              + Outcome.secs(Math.max(0, left))
              + " s");
    }
    l.startupFenced = true;
    if (l.maintenanceRequested) {
      return l.move(
          AgentState.MAINTENANCE, Action.NONE, ReasonCode.MAINTENANCE_ENTERED, "maintenance on");
    }
    if (left > 0) {
      return l.stay(
          Action.NONE,
          ReasonCode.STARTUP_HOLD,
          "starting: not acquiring for another "
              + Outcome.secs(left)
              + " s (honours promises made before a restart)");
    }
    return l.move(
        AgentState.STANDBY,
        Action.NONE,
        ReasonCode.STARTED,
        "started; standing by, " + s.health().summary());
  }

  static Outcome standby(DecisionLoop l, TickSnapshot s) {
    if (s.ticket().valid()) {
      return l.stay(
          Action.RELEASE,
          ReasonCode.UNEXPECTED_TICKET_RELEASED,
          "releasing: a late grant of epoch " + s.ticket().epoch() + " arrived while standing by");
    }
    if (l.maintenanceRequested) {
      return l.move(
          AgentState.MAINTENANCE, Action.NONE, ReasonCode.MAINTENANCE_ENTERED, "maintenance on");
    }
    long now = s.nowNanos();
    if (l.forceRequested && l.promiseBound(now)) {
      return l.promiseHold(now);
    }
    if (l.forceRequested) {
      l.forceRequested = false;
      l.acquiringSince = now;
      ForcedWait.started(l, now);
      return l.move(
          AgentState.ACQUIRING,
          Action.FORCE_ACQUIRE,
          ReasonCode.FORCED_ACQUIRE,
          "force-acquiring on operator's acknowledged request");
    }
    if (!s.health().healthy()) {
      return l.stay(
          Action.NONE,
          ReasonCode.UNHEALTHY,
          "no action: not healthy (" + s.health().summary() + ")");
    }
    if (l.standingAside(now)) {
      return l.stay(
          Action.NONE,
          ReasonCode.ACTIVATION_STEPPING_DOWN,
          "no action: standing aside for another "
              + Outcome.secs(l.standAsideUntil - now)
              + " s after the activation failed here");
    }
    if (l.handingOverTo != null && now - l.handoverAnnouncedUntil < 0) {
      return l.stay(
          Action.NONE,
          ReasonCode.HANDOVER_TO_OTHER,
          "no action: we handed over to " + l.handingOverTo);
    }
    if (!s.witnessReachable()) {
      return l.stay(
          Action.NONE, ReasonCode.WITNESS_UNREACHABLE, "no action: the witness is unreachable");
    }
    PeerView peers = PeerView.of(l.settings, s);
    PeerReport handover = peers.handover();
    PeerReport active = peers.activeOrAcquiringBeforeUs();
    PeerReport preferred = peers.bestReady(true);
    if (handover != null && handover.handingOverTo().equals(l.settings.site())) {
      if (l.promiseBound(now)) {
        return l.promiseHold(now);
      }
      l.acquiringSince = now;
      return l.move(
          AgentState.ACQUIRING,
          Action.ACQUIRE,
          ReasonCode.SWITCHOVER_TARGET_ACQUIRING,
          "acquiring: " + handover.site() + " is handing over to us");
    }
    if (handover != null) {
      return l.stay(
          Action.NONE,
          ReasonCode.HANDOVER_TO_OTHER,
          "no action: " + handover.site() + " is handing over to " + handover.handingOverTo());
    }
    if (active != null) {
      return l.stay(
          Action.NONE,
          ReasonCode.PEER_ACTIVE,
          "no action: "
              + active.site()
              + " is active"
              + (active.healthy() ? " and healthy" : " (unhealthy)"));
    }
    if (preferred != null) {
      return l.stay(
          Action.NONE,
          ReasonCode.DEFER_TO_PREFERRED,
          "no action: " + preferred.site() + " is preferred and ready");
    }
    // priority holds at a cold start (issue 18.2): wait, within a bound, for a preferred site
    // still starting
    String waitForPreferred = l.preferredPeers.waitForStarting(peers.preferredStarting(), now);
    if (waitForPreferred != null) {
      return l.stay(Action.NONE, ReasonCode.DEFER_TO_PREFERRED, waitForPreferred);
    }
    if (l.promiseBound(now)) {
      return l.promiseHold(now);
    }
    l.acquiringSince = now;
    return l.move(
        AgentState.ACQUIRING,
        Action.ACQUIRE,
        ReasonCode.ACQUIRING,
        "acquiring: no active site seen, " + s.health().summary());
  }

  static Outcome acquiring(DecisionLoop l, TickSnapshot s) {
    TicketView t = s.ticket();
    long now = s.nowNanos();
    Outcome regrant = ForcedWait.releasedEpochRegranted(l, t);
    if (regrant != null) {
      return regrant;
    }
    if (t.valid() && t.basisSentNanos() - l.acquiringSince >= 0) {
      l.failsafe.stop();
      l.forceRequested = false;
      return l.move(
          AgentState.ACTIVE,
          Action.ACTIVATE,
          ReasonCode.TICKET_GRANTED,
          "activating: acquired ticket epoch " + t.epoch() + ", " + s.health().summary());
    }
    boolean refused =
        l.holder.lastRefusedSentNanos() != Long.MIN_VALUE
            && l.holder.lastRefusedSentNanos() - l.acquiringSince >= 0;
    Outcome waiting = ForcedWait.waiting(l, refused, now);
    if (waiting != null) {
      return waiting;
    }
    if (refused) {
      return l.move(
          AgentState.STANDBY,
          Action.NONE,
          ReasonCode.TICKET_REFUSED,
          "standing by: witness " + l.holder.lastRefusal());
    }
    // a retry timeout after the last send: the agent resends an overdue acquire (AgentCore), and
    // an answer to the last resend must still count, not arrive as a late grant while standing by
    long lastSent = Math.max(l.acquiringSince, l.holder.lastSentNanos());
    if (now - lastSent > l.settings.retryTimeout().toNanos()) {
      return l.move(
          AgentState.STANDBY,
          Action.NONE,
          ReasonCode.WITNESS_TIMEOUT,
          "standing by: no answer from the witness in "
              + Outcome.secs(now - l.acquiringSince)
              + " s");
    }
    return l.stay(Action.NONE, ReasonCode.AWAITING_WITNESS, "waiting for the witness's answer");
  }
}
