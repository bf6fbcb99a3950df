package io.tandem.core.agent;

import io.tandem.core.witness.TicketHolder;
import java.util.Objects;

/**
 * The agent's brain: each {@link #tick} reads one immutable {@link TickSnapshot} and returns one
 * {@link Decision}. It does no I/O; the driver carries out the action (send an acquire, fence,
 * release, activate) and feeds results back through the {@link TicketHolder} and {@link PeerBoard}.
 *
 * <p>Safety rests on three rules: (1) only {@link AgentState#ACTIVE} serves, and only while the
 * ticket holder reports a valid ticket, or — witness-outage failsafe — while every peer has
 * promised, in answer to a request sent within the last tick and a half, not to acquire; (2) a site
 * that promised does not enter {@link AgentState#ACQUIRING} until the promise has expired on its
 * own clock, and a restarted agent waits {@code startupHold} (≥ promise duration) first; (3) a
 * grant counts only if it answers an acquire sent after entering ACQUIRING.
 *
 * <p>Split by concern: this class holds the loop's state, the operator's commands and what it tells
 * peers; the rules per state live in {@link StandbyRules} (STARTING, STANDBY, ACQUIRING) and {@link
 * ServiceRules} (ACTIVE, FENCING, FENCED, MAINTENANCE), a failed activation in {@link
 * ActivationTrouble}, the promises we gave in {@link PromiseBook}, the failsafe's cover in {@link
 * FailsafeCover}, priorities over time in {@link PreferredPeers}. Every reason code and its words
 * are specified by {@code ReasonCodeSpecTest}.
 *
 * <p>Thread-safe: all methods synchronise on the loop. The driver calls {@link #tick} once per tick
 * and also right after a grant or the holder's self-fence callback.
 */
public final class DecisionLoop {

  /** How many ticks a forced acquire waits to be acted on before it lapses. */
  static final int FORCE_WINDOW_TICKS = 3;

  /** Activation attempts under one epoch before a holder steps down (if a peer can take over). */
  static final int ACTIVATION_ATTEMPTS = 3;

  /** How many TTLs a site that stepped down for a failed activation stands aside. */
  static final int STAND_ASIDE_TTLS = 3;

  final AgentSettings settings;
  final TicketHolder holder;
  final DecisionHistory history;
  long startedAt;
  final FailsafeCover failsafe;

  AgentState state = AgentState.STARTING;
  long acquiringSince;
  boolean maintenanceRequested;
  boolean forceRequested;
  long forceLapsesAt;
  String pendingHandover;
  boolean releaseAfterFence;
  boolean maintenanceAfterFence;
  String handingOverTo;
  long handoverAnnouncedUntil;

  final PromiseBook promises;
  final PreferredPeers preferredPeers;

  /** When (our clock) this site last became ACTIVE: only promises asked for since count. */
  long activeSince;

  /** A forced acquire the witness holds back: asked again until then ({@link ForcedWait}). */
  long forceWaitUntil = Long.MIN_VALUE;

  long forceSentAt;
  boolean releaseLostAfterFence;

  /** The newest epoch this site released: never served under again ({@link ForcedWait}). */
  long releasedEpoch;

  boolean startupFenced;
  long standAsideUntil = Long.MIN_VALUE;
  boolean lastHealthy;
  io.tandem.core.health.HealthLevel lastHealthLevel = io.tandem.core.health.HealthLevel.OK;
  boolean lastWitnessReachable;
  boolean lastTicketOk;
  long lastNow;

  /**
   * @param history where every decision is recorded
   * @param startedAtNanos the agent's monotonic start time (the startup hold counts from it)
   */
  public DecisionLoop(
      AgentSettings settings, TicketHolder holder, DecisionHistory history, long startedAtNanos) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.holder = Objects.requireNonNull(holder, "holder");
    this.history = Objects.requireNonNull(history, "history");
    this.startedAt = startedAtNanos;
    this.failsafe = new FailsafeCover(settings);
    this.promises = new PromiseBook(settings);
    this.preferredPeers = new PreferredPeers(settings);
  }

  /**
   * The agent starts ticking now: its start-up hold counts from {@code nanos}, not from when it was
   * built (a server started in between, seconds on a loaded host, must not shorten the hold).
   */
  synchronized void holdFrom(long nanos) {
    startedAt = nanos;
  }

  public synchronized AgentState state() {
    return state;
  }

  public DecisionHistory history() {
    return history;
  }

  public AgentSettings settings() {
    return settings;
  }

  /**
   * Whether this site serves at {@code nowNanos}: ACTIVE and covered by a valid ticket or by the
   * failsafe's peer promises (or by the unsafe keep-running option). Side-effect free.
   */
  public synchronized boolean serving(long nowNanos) {
    if (state != AgentState.ACTIVE) {
      return false;
    }
    return holder.validNow() || failsafe.covers(nowNanos) || settings.keepRunningWithoutWitness();
  }

  /**
   * Until when (our clock) the failsafe's promises let this site serve, or {@link Long#MIN_VALUE}
   * if they do not cover it now.
   */
  public synchronized long failsafeCoverUntil(long nowNanos) {
    return state == AgentState.ACTIVE && failsafe.covers(nowNanos)
        ? nowNanos + failsafe.remainingNanos(nowNanos)
        : Long.MIN_VALUE;
  }

  /**
   * Whether the driver should ask peers for promises after this tick: on every tick while ACTIVE
   * (with the failsafe on), so that fresh promises are already there on the first tick that finds
   * the witness gone or a renewal failing. Asking only after such a tick left that tick without any
   * promise, and a witness outage alone then took the service down (the lab's bug: both first seen
   * in one tick, "fencing: ... did not confirm").
   */
  public synchronized boolean wantsPromises() {
    return state == AgentState.ACTIVE && settings.witnessOutageFailsafe();
  }

  /** Whether a promise we gave a peer still forbids us to acquire at {@code nowNanos}. */
  public synchronized boolean promiseBound(long nowNanos) {
    return promises.bound(nowNanos);
  }

  /**
   * The report to broadcast to peers now.
   *
   * @param servingEpoch the epoch the local PBX serves (or may still serve) under, 0 if none
   * @param activeCalls calls up on the local PBX, -1 if unknown
   */
  public synchronized PeerReport report(long nowNanos, long servingEpoch, int activeCalls) {
    String handover =
        handingOverTo != null && nowNanos - handoverAnnouncedUntil < 0 ? handingOverTo : null;
    return new PeerReport(
        settings.site(),
        state,
        lastHealthy && !standingAside(nowNanos),
        lastHealthLevel, // shown to operators as the peer's level (18.5); FAIL when not healthy
        settings.priority(),
        // an active site whose renewals fail says so: its peers then promise it a whole TTL
        lastWitnessReachable && !(state == AgentState.ACTIVE && !lastTicketOk),
        promiseBound(nowNanos),
        handover,
        servingEpoch,
        activeCalls,
        needsNoPromise(servingEpoch) ? nowNanos : PeerReport.NEEDS_PROMISES,
        0);
  }

  /**
   * Whether no promise given to us can matter any more: we are not ACTIVE (the failsafe covers only
   * ACTIVE), not FENCING, and our PBX's fence is confirmed (a new process only once its start-up
   * fence is: its predecessor may have served on a promise).
   */
  private boolean needsNoPromise(long servingEpoch) {
    return state != AgentState.ACTIVE
        && state != AgentState.FENCING
        && servingEpoch == 0
        && (state != AgentState.STARTING || startupFenced);
  }

  /** {@link #answerPromise(String, long, long, PeerReport)} for a requester not heard from. */
  public synchronized PeerPromise answerPromise(
      String from, long requestSentAtNanos, long nowNanos) {
    return answerPromise(from, requestSentAtNanos, nowNanos, null);
  }

  /**
   * Answer a peer's request to promise not to acquire (see {@link PromiseBook} for how long a
   * promise lasts and when it ends). We promise only in a state that does not serve and has no
   * acquire in flight, only if we hold no valid ticket, and a new process only once its start-up
   * fence is confirmed.
   *
   * @param requester the requester's latest report, or null if none
   */
  public synchronized PeerPromise answerPromise(
      String from, long requestSentAtNanos, long nowNanos, PeerReport requester) {
    String refusal =
        !state.mayPromise() || holder.validNow() || (state == AgentState.STARTING && !startupFenced)
            ? settings.site()
                + " cannot promise: it is "
                + state
                + (state == AgentState.STARTING ? " and has not fenced its PBX yet" : "")
            : null;
    return promises.answer(from, requestSentAtNanos, nowNanos, requester, state, refusal);
  }

  /** Run one tick. */
  public synchronized Decision tick(TickSnapshot s) {
    AgentState from = state;
    lastNow = s.nowNanos();
    lastHealthy = s.health().healthy();
    lastHealthLevel = s.health().level();
    lastWitnessReachable = s.witnessReachable();
    promises.releaseFreed(s.peers().values());
    Outcome o = applyCommands(s);
    if (o == null) {
      o = decide(s);
    }
    if (o.to() == AgentState.ACTIVE && from != AgentState.ACTIVE) {
      activeSince = s.nowNanos();
    }
    state = state.moveTo(o.to());
    if (o.action() == Action.RELEASE) {
      releasedEpoch = Math.max(releasedEpoch, s.ticket().epoch());
    }
    Decision d =
        new Decision(
            o.action(), o.reason(), o.words(), from, o.to(), s.ticket().epoch(), s.wallTime());
    history.record(d);
    return d;
  }

  Outcome stay(Action a, ReasonCode r, String words) {
    return new Outcome(state, a, r, words);
  }

  Outcome move(AgentState to, Action a, ReasonCode r, String words) {
    return new Outcome(to, a, r, words);
  }

  /**
   * Apply this tick's operator commands, every one of them: a rejected command does not drop the
   * ones after it (it once did, silently). The first rejection is this tick's decision, else null.
   */
  private Outcome applyCommands(TickSnapshot s) {
    Outcome rejected = null;
    for (OperatorCommand c : s.commands()) {
      String refusal = apply(c, s.nowNanos());
      if (refusal != null && rejected == null) {
        rejected = stay(Action.NONE, ReasonCode.COMMAND_REJECTED, refusal);
      }
    }
    return rejected;
  }

  /** One command; the words of its rejection, or null if accepted. */
  private String apply(OperatorCommand c, long now) {
    switch (c) {
      case OperatorCommand.Maintenance m -> maintenanceRequested = m.on();
      case OperatorCommand.ForceAcquire f -> {
        if (!f.acknowledged()) {
          return "rejected forced acquire: the acknowledgement must read \""
              + OperatorCommand.FORCE_ACKNOWLEDGEMENT
              + "\"";
        }
        if (state != AgentState.STANDBY && state != AgentState.ACQUIRING) {
          return "rejected forced acquire: only a standing-by site may force it (this is "
              + state
              + ")";
        }
        // it lapses a few ticks after it could first be acted on (after any promise we gave)
        long bound = promises.end(now);
        long from = bound != Long.MIN_VALUE ? bound : now;
        forceRequested = true;
        forceLapsesAt = from + settings.tick().toNanos() * FORCE_WINDOW_TICKS;
      }
      case OperatorCommand.Switchover sw -> {
        if (!settings.peers().contains(sw.target())) {
          return "rejected switchover: " + sw.target() + " is not a peer of " + settings.site();
        }
        if (state == AgentState.ACTIVE) {
          pendingHandover = sw.target();
        }
      }
    }
    return null;
  }

  private Outcome decide(TickSnapshot s) {
    if (forceRequested && s.nowNanos() - forceLapsesAt >= 0) {
      forceRequested = false;
      if (!state.serves()) {
        return stay(
            Action.NONE,
            ReasonCode.COMMAND_LAPSED,
            "forced acquire lapsed: not acted on within "
                + FORCE_WINDOW_TICKS
                + " ticks (this is "
                + state
                + ")");
      }
    }
    return switch (state) {
      case STARTING -> StandbyRules.starting(this, s);
      case STANDBY -> StandbyRules.standby(this, s);
      case ACQUIRING -> StandbyRules.acquiring(this, s);
      case ACTIVE -> ServiceRules.active(this, s);
      case FENCING -> ServiceRules.fencing(this, s);
      case FENCED -> ServiceRules.fenced(this, s);
      case MAINTENANCE -> ServiceRules.maintenance(this, s);
    };
  }

  /** A promise we gave still binds us: we do not acquire (not even when forced). */
  Outcome promiseHold(long now) {
    return stay(Action.NONE, ReasonCode.PROMISE_HOLD, promises.holdWords(now));
  }

  Outcome stepDown(ReasonCode reason, String words) {
    Outcome o = fence(reason, null, false, words);
    releaseAfterFence = true;
    // stand aside (reported unhealthy, not acquiring) so the healthy peer takes over, not us again
    standAsideUntil = lastNow + settings.ticketTtl().toNanos() * STAND_ASIDE_TTLS;
    return o;
  }

  boolean standingAside(long nowNanos) {
    return standAsideUntil != Long.MIN_VALUE && nowNanos - standAsideUntil < 0;
  }

  Outcome fence(ReasonCode reason, String handoverTarget, boolean maintenance, String words) {
    failsafe.stop();
    releaseLostAfterFence = false;
    releaseAfterFence = handoverTarget != null || maintenance;
    maintenanceAfterFence = maintenance;
    handingOverTo = handoverTarget;
    handoverAnnouncedUntil = lastNow + settings.ticketTtl().toNanos() * 2;
    return move(AgentState.FENCING, Action.FENCE, reason, words);
  }

  /**
   * Recompute the failsafe horizon on every tick while ACTIVE: the earliest end, on our clock, of
   * the latest promise from every peer, each anchored at our request's send time minus the drift
   * margin. It is kept even while the ticket is fine, so that the fence guard's deadline already
   * covers the promised window when the witness goes away between two ticks.
   */
  void updateFailsafe(TickSnapshot s) {
    // a renewal still unanswered on this tick counts as failing: say so early, so peers promise
    // a whole TTL before the ticket's self-fence point comes
    lastTicketOk =
        s.ticket().valid()
            && s.ticket().state() == TicketHolder.State.HELD
            && s.ticket().failingSinceNanos() == Long.MIN_VALUE;
    if (settings.witnessOutageFailsafe()) {
      failsafe.update(s, activeSince);
    } else {
      failsafe.stop();
    }
  }

  private static String secs(long nanos) {
    return Outcome.secs(nanos);
  }

  /** For the API: a short status line. */
  public synchronized String status() {
    Decision d = history.latest();
    return settings.site() + " " + state + (d == null ? "" : ": " + d.words());
  }
}
