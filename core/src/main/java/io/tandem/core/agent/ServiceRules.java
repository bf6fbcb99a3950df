package io.tandem.core.agent;

import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.TicketView;

/**
 * The decision loop's rules for the states that serve or stop serving: ACTIVE (hold, hand over,
 * fail back, failsafe, fence), FENCING, FENCED and MAINTENANCE. Called by {@link DecisionLoop}
 * under its lock; they read and update its state.
 */
final class ServiceRules {

  private ServiceRules() {}

  static Outcome active(DecisionLoop l, TickSnapshot s) {
    TicketView t = s.ticket();
    long now = s.nowNanos();
    l.updateFailsafe(s);
    if (t.valid() && t.state() != TicketHolder.State.FENCE_DUE) {
      if (l.maintenanceRequested) {
        return l.fence(
            ReasonCode.MAINTENANCE_ENTERED, null, true, "fencing: maintenance requested");
      }
      if (l.pendingHandover != null) {
        String target = l.pendingHandover;
        l.pendingHandover = null;
        return l.fence(
            ReasonCode.SWITCHOVER_RELEASING, target, false, "fencing: switchover to " + target);
      }
      Outcome job = ActivationTrouble.check(l.settings, s, l.state, l::stepDown);
      if (job != null) {
        return job;
      }
      if (!s.health().healthy()) {
        PeerReport better = PeerView.of(l.settings, s).bestReady(false);
        if (better != null) {
          return l.fence(
              ReasonCode.UNHEALTHY_HANDING_OVER,
              better.site(),
              false,
              "fencing: " + s.health().summary() + "; handing over to " + better.site());
        }
        return l.stay(
            Action.NONE,
            ReasonCode.UNHEALTHY_NO_BETTER_PEER,
            "no action: "
                + s.health().summary()
                + ", but no healthy peer can take over; holding epoch "
                + t.epoch());
      }
      if (l.settings.autoFailback()) {
        PeerReport preferred = PeerView.of(l.settings, s).bestReady(true);
        long stable = l.preferredPeers.readyFor(preferred, now);
        if (preferred != null && stable >= l.settings.failbackStablePeriod().toNanos()) {
          return l.fence(
              ReasonCode.FAILBACK_RELEASING,
              preferred.site(),
              false,
              "fencing: failing back to preferred "
                  + preferred.site()
                  + " (stable for "
                  + Outcome.secs(stable)
                  + " s)");
        }
      }
      return l.stay(
          Action.NONE,
          ReasonCode.HOLDING_TICKET,
          "no action: holding ticket epoch " + t.epoch() + ", " + s.health().summary());
    }
    if (t.state() == TicketHolder.State.LOST || t.state() == TicketHolder.State.RELEASED) {
      Outcome o =
          l.fence(
              ReasonCode.TICKET_LOST,
              null,
              false,
              "fencing: the witness gave ticket epoch " + t.epoch() + " away");
      // once fenced, release the lost epoch: a forced acquire that preempted us is granted then,
      // not only after our ticket's expiry plus grace (docs/witness-protocol.md, rule 2)
      l.releaseLostAfterFence = t.state() == TicketHolder.State.LOST;
      return o;
    }
    if (l.settings.keepRunningWithoutWitness() && !s.witnessReachable()) {
      return l.stay(
          Action.NONE,
          ReasonCode.KEEP_RUNNING_WITHOUT_WITNESS,
          "no action (UNSAFE keep-running-without-witness): " + l.holder.failingWords(now));
    }
    if (l.settings.witnessOutageFailsafe()) {
      // Once running, the l.failsafe covers us until a renewal lands, even if the witness already
      // answers pings again: the peers' l.promises, not the witness, are what make it safe.
      if (l.failsafe.covers(now)) {
        return l.stay(
            Action.NONE,
            ReasonCode.FAILSAFE_PEERS_CONFIRMED,
            "no action: "
                + (s.witnessReachable()
                    ? "witness back, renewal pending, "
                    : "witness unreachable, ")
                + l.holder.failingWords(now)
                + "; all "
                + l.settings.peers().size()
                + " peers promise not to acquire for "
                + Outcome.secs(l.failsafe.remainingNanos(now))
                + " s");
      }
      if (!s.witnessReachable()) {
        return l.fence(
            ReasonCode.FAILSAFE_CONFIRMATION_MISSING,
            null,
            false,
            "fencing: witness unreachable and " + l.failsafe.missing(s) + " did not confirm");
      }
    }
    return l.fence(
        ReasonCode.TICKET_EXPIRED, null, false, "fencing: " + l.holder.failingWords(now));
  }

  static Outcome fencing(DecisionLoop l, TickSnapshot s) {
    FenceStatus f = s.fence();
    if (f.phase() == FenceStatus.Phase.UNKNOWN) {
      // a fence that timed out is unknown, never done: the PBX may still take calls
      return l.stay(
          Action.FENCE,
          ReasonCode.FENCE_UNKNOWN,
          "fence unknown (" + f.words() + "); fencing again (attempt " + (f.attempts() + 1) + ")");
    }
    if (!f.done()) {
      return l.stay(Action.NONE, ReasonCode.FENCE_IN_PROGRESS, "waiting for fencing to complete");
    }
    if (l.releaseLostAfterFence) {
      l.releaseLostAfterFence = false;
      return l.move(
          AgentState.FENCED,
          Action.RELEASE,
          ReasonCode.RELEASING_TICKET,
          "fenced; releasing lost ticket epoch "
              + s.ticket().epoch()
              + " (tells the witness the service is stopped here)");
    }
    if (l.releaseAfterFence && s.ticket().valid()) {
      l.releaseAfterFence = false;
      l.handoverAnnouncedUntil = s.nowNanos() + l.settings.ticketTtl().toNanos();
      return l.move(
          AgentState.FENCED,
          Action.RELEASE,
          ReasonCode.RELEASING_TICKET,
          "fenced; releasing ticket epoch "
              + s.ticket().epoch()
              + (l.handingOverTo != null ? " for " + l.handingOverTo : ""));
    }
    return l.move(
        AgentState.FENCED, Action.NONE, ReasonCode.FENCED, "fenced: the service is stopped here");
  }

  static Outcome fenced(DecisionLoop l, TickSnapshot s) {
    if (l.maintenanceAfterFence || l.maintenanceRequested) {
      l.maintenanceAfterFence = false;
      return l.move(
          AgentState.MAINTENANCE, Action.NONE, ReasonCode.MAINTENANCE_ENTERED, "maintenance on");
    }
    return l.move(
        AgentState.STANDBY,
        Action.NONE,
        ReasonCode.FENCED,
        "fenced; standing by, " + s.health().summary());
  }

  static Outcome maintenance(DecisionLoop l, TickSnapshot s) {
    if (s.ticket().valid()) {
      return l.stay(
          Action.RELEASE,
          ReasonCode.UNEXPECTED_TICKET_RELEASED,
          "releasing ticket epoch " + s.ticket().epoch() + " held in maintenance");
    }
    if (!l.maintenanceRequested) {
      return l.move(
          AgentState.STANDBY,
          Action.NONE,
          ReasonCode.MAINTENANCE_LEFT,
          "maintenance off; standing by");
    }
    return l.stay(Action.NONE, ReasonCode.MAINTENANCE, "no action: in maintenance");
  }
}
