package io.tandem.core.agent;

import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.TicketView;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
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

  private final AgentSettings settings;
  private final TicketHolder holder;
  private final DecisionHistory history;
  private final long startedAt;
  private final FailsafeCover failsafe;

  private AgentState state = AgentState.STARTING;
  private long acquiringSince;
  private boolean maintenanceRequested;
  private boolean forceRequested;
  private long forceLapsesAt;
  private long forceWaitUntil = Long.MIN_VALUE;
  private long forceSentAt;
  private boolean releaseLostAfterFence;
  private long releasedEpoch;
  private String pendingHandover;
  private boolean releaseAfterFence;
  private boolean maintenanceAfterFence;
  private String handingOverTo;
  private long handoverAnnouncedUntil;
  private long promisedUntil = Long.MIN_VALUE;
  private boolean anyPromise;
  private boolean startupFenced;
  private long standAsideUntil = Long.MIN_VALUE;
  private boolean lastHealthy;
  private boolean lastWitnessReachable;
  private boolean lastTicketOk;
  private long lastNow;
  private final Map<String, Long> failbackGoodSince = new HashMap<>();

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

  /** Whether the driver should ask peers for promises after this tick. */
  public synchronized boolean wantsPromises() {
    return state == AgentState.ACTIVE
        && settings.witnessOutageFailsafe()
        && (!lastWitnessReachable || !lastTicketOk);
  }

  /** Whether a promise we gave a peer still forbids us to acquire at {@code nowNanos}. */
  public synchronized boolean promiseBound(long nowNanos) {
    return anyPromise && nowNanos - promisedUntil < 0;
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
        settings.priority(),
        lastWitnessReachable,
        promiseBound(nowNanos),
        handover,
        servingEpoch,
        activeCalls,
        0);
  }

  /**
   * Answer a peer's request to promise not to acquire. We promise only in a state that does not
   * serve and has no acquire in flight, and only if we hold no valid ticket; a promise then binds
   * us for {@code ticketTtl} on our clock.
   */
  public synchronized PeerPromise answerPromise(
      String from, long requestSentAtNanos, long nowNanos) {
    if (!state.mayPromise()
        || holder.validNow()
        || (state == AgentState.STARTING && !startupFenced)) {
      return new PeerPromise(
          settings.site(),
          from,
          requestSentAtNanos,
          nowNanos,
          nowNanos,
          false,
          settings.site()
              + " cannot promise: it is "
              + state
              + (state == AgentState.STARTING ? " and has not fenced its PBX yet" : ""));
    }
    long until = nowNanos + settings.ticketTtl().toNanos();
    if (!anyPromise || until - promisedUntil > 0) {
      promisedUntil = until;
    }
    anyPromise = true;
    return new PeerPromise(
        settings.site(),
        from,
        requestSentAtNanos,
        nowNanos,
        until,
        true,
        settings.site()
            + " is "
            + state
            + " and will not acquire for "
            + secs(settings.ticketTtl().toNanos())
            + " s");
  }

  /** Run one tick. */
  public synchronized Decision tick(TickSnapshot s) {
    AgentState from = state;
    lastNow = s.nowNanos();
    lastHealthy = s.health().healthy();
    lastWitnessReachable = s.witnessReachable();
    Outcome o = applyCommands(s);
    if (o == null) {
      o = decide(s);
    }
    state = state.moveTo(o.to);
    if (o.action == Action.RELEASE) {
      releasedEpoch = Math.max(releasedEpoch, s.ticket().epoch());
    }
    Decision d =
        new Decision(o.action, o.reason, o.words, from, o.to, s.ticket().epoch(), s.wallTime());
    history.record(d);
    return d;
  }

  private record Outcome(AgentState to, Action action, ReasonCode reason, String words) {}

  private Outcome stay(Action a, ReasonCode r, String words) {
    return new Outcome(state, a, r, words);
  }

  private Outcome move(AgentState to, Action a, ReasonCode r, String words) {
    return new Outcome(to, a, r, words);
  }

  private Outcome applyCommands(TickSnapshot s) {
    for (OperatorCommand c : s.commands()) {
      switch (c) {
        case OperatorCommand.Maintenance m -> maintenanceRequested = m.on();
        case OperatorCommand.ForceAcquire f -> {
          if (!f.acknowledged()) {
            return stay(
                Action.NONE,
                ReasonCode.COMMAND_REJECTED,
                "rejected forced acquire: the acknowledgement must read \""
                    + OperatorCommand.FORCE_ACKNOWLEDGEMENT
                    + "\"");
          }
          if (state != AgentState.STANDBY && state != AgentState.ACQUIRING) {
            return stay(
                Action.NONE,
                ReasonCode.COMMAND_REJECTED,
                "rejected forced acquire: only a standing-by site may force it (this is "
                    + state
                    + ")");
          }
          // it lapses a few ticks after it could first be acted on (after any promise we gave)
          long from = promiseBound(s.nowNanos()) ? promisedUntil : s.nowNanos();
          forceRequested = true;
          forceLapsesAt = from + settings.tick().toNanos() * FORCE_WINDOW_TICKS;
        }
        case OperatorCommand.Switchover sw -> {
          if (!settings.peers().contains(sw.target())) {
            return stay(
                Action.NONE,
                ReasonCode.COMMAND_REJECTED,
                "rejected switchover: " + sw.target() + " is not a peer of " + settings.site());
          }
          if (state == AgentState.ACTIVE) {
            pendingHandover = sw.target();
          }
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
      case STARTING -> starting(s);
      case STANDBY -> standby(s);
      case ACQUIRING -> acquiring(s);
      case ACTIVE -> active(s);
      case FENCING -> fencing(s);
      case FENCED -> fenced(s);
      case MAINTENANCE -> maintenance(s);
    };
  }

  private Outcome starting(TickSnapshot s) {
    FenceStatus f = s.fence();
    if (f.phase() == FenceStatus.Phase.NONE) {
      return stay(
          Action.FENCE,
          ReasonCode.STARTUP_FENCE,
          "starting: fencing the local PBX (a new agent process never assumes it serves)");
    }
    if (f.phase() == FenceStatus.Phase.UNKNOWN) {
      return stay(
          Action.FENCE,
          ReasonCode.FENCE_UNKNOWN,
          "starting: the start-up fence is unknown ("
              + f.words()
              + "); fencing again (attempt "
              + (f.attempts() + 1)
              + ")");
    }
    long left = startedAt + settings.startupHold().toNanos() - s.nowNanos();
    if (f.phase() == FenceStatus.Phase.PENDING) {
      return stay(
          Action.NONE,
          ReasonCode.STARTUP_HOLD,
          "starting: fencing the local PBX; not acquiring for another "
              + secs(Math.max(0, left))
              + " s");
    }
    startupFenced = true;
    if (maintenanceRequested) {
      return move(
          AgentState.MAINTENANCE, Action.NONE, ReasonCode.MAINTENANCE_ENTERED, "maintenance on");
    }
    if (left > 0) {
      return stay(
          Action.NONE,
          ReasonCode.STARTUP_HOLD,
          "starting: not acquiring for another "
              + secs(left)
              + " s (honours promises made before a restart)");
    }
    return move(
        AgentState.STANDBY,
        Action.NONE,
        ReasonCode.STARTED,
        "started; standing by, " + s.health().summary());
  }

  private Outcome standby(TickSnapshot s) {
    if (s.ticket().valid()) {
      return stay(
          Action.RELEASE,
          ReasonCode.UNEXPECTED_TICKET_RELEASED,
          "releasing: a late grant of epoch " + s.ticket().epoch() + " arrived while standing by");
    }
    if (maintenanceRequested) {
      return move(
          AgentState.MAINTENANCE, Action.NONE, ReasonCode.MAINTENANCE_ENTERED, "maintenance on");
    }
    long now = s.nowNanos();
    if (promiseBound(now)) {
      return stay(
          Action.NONE,
          ReasonCode.PROMISE_HOLD,
          "no action: promised a peer not to acquire for another "
              + secs(promisedUntil - now)
              + " s");
    }
    if (forceRequested) {
      forceRequested = false;
      acquiringSince = now;
      forceSentAt = now;
      forceWaitUntil = now + forceWaitNanos();
      return move(
          AgentState.ACQUIRING,
          Action.FORCE_ACQUIRE,
          ReasonCode.FORCED_ACQUIRE,
          "force-acquiring on operator's acknowledged request");
    }
    if (!s.health().healthy()) {
      return stay(
          Action.NONE,
          ReasonCode.UNHEALTHY,
          "no action: not healthy (" + s.health().summary() + ")");
    }
    if (standingAside(now)) {
      return stay(
          Action.NONE,
          ReasonCode.ACTIVATION_STEPPING_DOWN,
          "no action: standing aside for another "
              + secs(standAsideUntil - now)
              + " s after the activation failed here");
    }
    if (handingOverTo != null && now - handoverAnnouncedUntil < 0) {
      return stay(
          Action.NONE,
          ReasonCode.HANDOVER_TO_OTHER,
          "no action: we handed over to " + handingOverTo);
    }
    if (!s.witnessReachable()) {
      return stay(
          Action.NONE, ReasonCode.WITNESS_UNREACHABLE, "no action: the witness is unreachable");
    }
    PeerView peers = PeerView.of(settings, s);
    PeerReport handover = peers.handover();
    PeerReport active = peers.activeOrAcquiringBeforeUs();
    PeerReport preferred = peers.bestReady(true, true);
    if (handover != null && handover.handingOverTo().equals(settings.site())) {
      acquiringSince = now;
      return move(
          AgentState.ACQUIRING,
          Action.ACQUIRE,
          ReasonCode.SWITCHOVER_TARGET_ACQUIRING,
          "acquiring: " + handover.site() + " is handing over to us");
    }
    if (handover != null) {
      return stay(
          Action.NONE,
          ReasonCode.HANDOVER_TO_OTHER,
          "no action: " + handover.site() + " is handing over to " + handover.handingOverTo());
    }
    if (active != null) {
      return stay(
          Action.NONE,
          ReasonCode.PEER_ACTIVE,
          "no action: "
              + active.site()
              + " is active"
              + (active.healthy() ? " and healthy" : " (unhealthy)"));
    }
    if (preferred != null) {
      return stay(
          Action.NONE,
          ReasonCode.DEFER_TO_PREFERRED,
          "no action: " + preferred.site() + " is preferred and ready");
    }
    acquiringSince = now;
    return move(
        AgentState.ACQUIRING,
        Action.ACQUIRE,
        ReasonCode.ACQUIRING,
        "acquiring: no active site seen, " + s.health().summary());
  }

  private Outcome acquiring(TickSnapshot s) {
    TicketView t = s.ticket();
    long now = s.nowNanos();
    if (t.valid() && t.basisSentNanos() - acquiringSince >= 0 && t.epoch() <= releasedEpoch) {
      // The witness still recorded us as holder of an epoch we released: our release may still be
      // on its way and would free this grant once it lands, while we served (a slow or reordered
      // link; sweep seeds -9973823, -9968415, -9997326). Never serve under a released epoch:
      // release it again and ask for a fresh one.
      return move(
          AgentState.STANDBY,
          Action.RELEASE,
          ReasonCode.UNEXPECTED_TICKET_RELEASED,
          "releasing: the witness granted epoch "
              + t.epoch()
              + " again, which this site released (the release may still be on its way);"
              + " asking for a fresh epoch");
    }
    if (t.valid() && t.basisSentNanos() - acquiringSince >= 0) {
      failsafe.stop();
      forceRequested = false;
      return move(
          AgentState.ACTIVE,
          Action.ACTIVATE,
          ReasonCode.TICKET_GRANTED,
          "activating: acquired ticket epoch " + t.epoch() + ", " + s.health().summary());
    }
    boolean refused =
        holder.lastRefusedSentNanos() != Long.MIN_VALUE
            && holder.lastRefusedSentNanos() - acquiringSince >= 0;
    if (forceWaitUntil != Long.MIN_VALUE && now - forceWaitUntil < 0) {
      Outcome waiting = forcedWait(refused, now);
      if (waiting != null) {
        return waiting;
      }
    }
    forceWaitUntil = Long.MIN_VALUE;
    if (refused) {
      return move(
          AgentState.STANDBY,
          Action.NONE,
          ReasonCode.TICKET_REFUSED,
          "standing by: witness " + holder.lastRefusal());
    }
    if (now - acquiringSince > settings.retryTimeout().toNanos()) {
      return move(
          AgentState.STANDBY,
          Action.NONE,
          ReasonCode.WITNESS_TIMEOUT,
          "standing by: no answer from the witness in " + secs(now - acquiringSince) + " s");
    }
    return stay(Action.NONE, ReasonCode.AWAITING_WITNESS, "waiting for the witness's answer");
  }

  /**
   * A forced acquire the witness is holding back (it preempted the holder and waits for its ticket
   * to lapse, docs/witness-protocol.md rule 2): stay ACQUIRING and ask again once a tick, for at
   * most {@link #forceWaitNanos()}. Null once the wait is over.
   */
  private Outcome forcedWait(boolean refused, long now) {
    if (refused) {
      String why = holder.lastRefusal();
      boolean again = now - forceSentAt >= settings.tick().toNanos();
      if (again) {
        forceSentAt = now;
      }
      return stay(
          again ? Action.FORCE_ACQUIRE : Action.NONE,
          ReasonCode.FORCED_ACQUIRE_WAITING,
          why.startsWith("forced acquire:") ? why : "forced acquire: the witness " + why);
    }
    if (now - forceSentAt > settings.retryTimeout().toNanos()) {
      String words =
          "forced acquire: no answer from the witness in "
              + secs(now - forceSentAt)
              + " s; asking again";
      forceSentAt = now;
      return stay(Action.FORCE_ACQUIRE, ReasonCode.FORCED_ACQUIRE_WAITING, words);
    }
    return stay(Action.NONE, ReasonCode.AWAITING_WITNESS, "waiting for the witness's answer");
  }

  /**
   * How long a forced acquire keeps asking: the longest any backend lets a preempted ticket run
   * (TTL, or an Azure blob lease of at least 15 s, plus grace and the witness's restart cover).
   */
  private long forceWaitNanos() {
    return 3 * settings.ticketTtl().toNanos()
        + 2 * settings.witnessGrace().toNanos()
        + 15_000_000_000L;
  }

  private Outcome active(TickSnapshot s) {
    TicketView t = s.ticket();
    long now = s.nowNanos();
    updateFailsafe(s);
    if (t.valid() && t.state() != TicketHolder.State.FENCE_DUE) {
      if (maintenanceRequested) {
        return fence(ReasonCode.MAINTENANCE_ENTERED, null, true, "fencing: maintenance requested");
      }
      if (pendingHandover != null) {
        String target = pendingHandover;
        pendingHandover = null;
        return fence(
            ReasonCode.SWITCHOVER_RELEASING, target, false, "fencing: switchover to " + target);
      }
      Outcome job = activationTrouble(s);
      if (job != null) {
        return job;
      }
      if (!s.health().healthy()) {
        PeerReport better = PeerView.of(settings, s).bestReady(false, false);
        if (better != null) {
          return fence(
              ReasonCode.UNHEALTHY_HANDING_OVER,
              better.site(),
              false,
              "fencing: " + s.health().summary() + "; handing over to " + better.site());
        }
        return stay(
            Action.NONE,
            ReasonCode.UNHEALTHY_NO_BETTER_PEER,
            "no action: "
                + s.health().summary()
                + ", but no healthy peer can take over; holding epoch "
                + t.epoch());
      }
      if (settings.autoFailback()) {
        PeerReport preferred = PeerView.of(settings, s).bestReady(true, false);
        trackFailback(s, preferred, now);
        if (preferred != null
            && now - failbackGoodSince.get(preferred.site())
                >= settings.failbackStablePeriod().toNanos()) {
          return fence(
              ReasonCode.FAILBACK_RELEASING,
              preferred.site(),
              false,
              "fencing: failing back to preferred "
                  + preferred.site()
                  + " (stable for "
                  + secs(now - failbackGoodSince.get(preferred.site()))
                  + " s)");
        }
      }
      return stay(
          Action.NONE,
          ReasonCode.HOLDING_TICKET,
          "no action: holding ticket epoch " + t.epoch() + ", " + s.health().summary());
    }
    if (t.state() == TicketHolder.State.LOST || t.state() == TicketHolder.State.RELEASED) {
      Outcome o =
          fence(
              ReasonCode.TICKET_LOST,
              null,
              false,
              "fencing: the witness gave ticket epoch " + t.epoch() + " away");
      // once fenced, release the lost epoch: a forced acquire that preempted us is granted then,
      // not only after our ticket's expiry plus grace
      releaseLostAfterFence = t.state() == TicketHolder.State.LOST;
      return o;
    }
    if (settings.keepRunningWithoutWitness() && !s.witnessReachable()) {
      return stay(
          Action.NONE,
          ReasonCode.KEEP_RUNNING_WITHOUT_WITNESS,
          "no action (UNSAFE keep-running-without-witness): " + holder.failingWords(now));
    }
    if (settings.witnessOutageFailsafe()) {
      // Once running, the failsafe covers us until a renewal lands, even if the witness already
      // answers pings again: the peers' promises, not the witness, are what make it safe.
      if (failsafe.covers(now)) {
        return stay(
            Action.NONE,
            ReasonCode.FAILSAFE_PEERS_CONFIRMED,
            "no action: "
                + (s.witnessReachable()
                    ? "witness back, renewal pending, "
                    : "witness unreachable, ")
                + holder.failingWords(now)
                + "; all "
                + settings.peers().size()
                + " peers promise not to acquire for "
                + secs(failsafe.remainingNanos(now))
                + " s");
      }
      if (!s.witnessReachable()) {
        return fence(
            ReasonCode.FAILSAFE_CONFIRMATION_MISSING,
            null,
            false,
            "fencing: witness unreachable and " + failsafe.missing(s) + " did not confirm");
      }
    }
    return fence(ReasonCode.TICKET_EXPIRED, null, false, "fencing: " + holder.failingWords(now));
  }

  /**
   * A holder that cannot do its job retries, then steps down. A failed activation is retried after
   * 2, 4, ... ticks, {@value #ACTIVATION_ATTEMPTS} attempts in all; then, if a healthy peer can
   * take over, this site fences and releases the ticket, else it holds on and retries every TTL
   * (releasing with nobody to take over would only end the service). An activation that needs an
   * operator (a step not safe to repeat may be half-applied) is never retried: it steps down at
   * once if a healthy peer can take over (its newer epoch wins every resource), else it holds and
   * says so. Null if the activation is fine.
   */
  private Outcome activationTrouble(TickSnapshot s) {
    ActivationStatus a = s.activation();
    long epoch = s.ticket().epoch();
    if (a.epoch() != epoch
        || (a.phase() != ActivationStatus.Phase.FAILED
            && a.phase() != ActivationStatus.Phase.NEEDS_OPERATOR)) {
      return null;
    }
    PeerReport better = PeerView.of(settings, s).bestReady(false, false);
    if (a.phase() == ActivationStatus.Phase.NEEDS_OPERATOR) {
      if (better != null) {
        return stepDown(
            ReasonCode.ACTIVATION_NEEDS_OPERATOR,
            "stepping down: the activation under epoch "
                + epoch
                + " needs an operator ("
                + a.words()
                + "); fencing and releasing the ticket so "
                + better.site()
                + " can take over");
      }
      return stay(
          Action.NONE,
          ReasonCode.ACTIVATION_NEEDS_OPERATOR,
          "ALARM: the activation under epoch "
              + epoch
              + " needs an operator ("
              + a.words()
              + "); no healthy peer can take over, so holding the ticket without retrying");
    }
    long now = s.nowNanos();
    boolean gaveUp = a.failures() >= ACTIVATION_ATTEMPTS;
    if (gaveUp && better != null) {
      return stepDown(
          ReasonCode.ACTIVATION_STEPPING_DOWN,
          "stepping down: the activation under epoch "
              + epoch
              + " failed "
              + a.failures()
              + " times ("
              + a.words()
              + "); fencing and releasing the ticket so "
              + better.site()
              + " can take over");
    }
    long backoff =
        gaveUp
            ? settings.ticketTtl().toNanos()
            : Math.min(
                settings.ticketTtl().toNanos(),
                settings.tick().toNanos() << Math.min(20, a.failures()));
    long wait = a.endedAtNanos() + backoff - now;
    String attempt =
        gaveUp
            ? "no healthy peer can take over, so holding the ticket and retrying every "
                + secs(backoff)
                + " s"
            : "attempt " + (a.failures() + 1) + " of " + ACTIVATION_ATTEMPTS;
    if (wait > 0) {
      return stay(
          Action.NONE,
          ReasonCode.ACTIVATION_FAILED,
          "ALARM: the activation under epoch "
              + epoch
              + " failed ("
              + a.words()
              + "); retrying in "
              + secs(wait)
              + " s ("
              + attempt
              + ")");
    }
    return stay(
        Action.ACTIVATE,
        ReasonCode.ACTIVATION_FAILED,
        "retrying the activation under epoch " + epoch + " (" + attempt + ")");
  }

  private Outcome stepDown(ReasonCode reason, String words) {
    Outcome o = fence(reason, null, false, words);
    releaseAfterFence = true;
    // stand aside (reported unhealthy, not acquiring) so the healthy peer takes over, not us again
    standAsideUntil = lastNow + settings.ticketTtl().toNanos() * STAND_ASIDE_TTLS;
    return o;
  }

  private boolean standingAside(long nowNanos) {
    return standAsideUntil != Long.MIN_VALUE && nowNanos - standAsideUntil < 0;
  }

  private Outcome fence(
      ReasonCode reason, String handoverTarget, boolean maintenance, String words) {
    failsafe.stop();
    releaseLostAfterFence = false;
    releaseAfterFence = handoverTarget != null || maintenance;
    maintenanceAfterFence = maintenance;
    handingOverTo = handoverTarget;
    handoverAnnouncedUntil = lastNow + settings.ticketTtl().toNanos() * 2;
    return move(AgentState.FENCING, Action.FENCE, reason, words);
  }

  private Outcome fencing(TickSnapshot s) {
    FenceStatus f = s.fence();
    if (f.phase() == FenceStatus.Phase.UNKNOWN) {
      // a fence that timed out is unknown, never done: the PBX may still take calls
      return stay(
          Action.FENCE,
          ReasonCode.FENCE_UNKNOWN,
          "fence unknown (" + f.words() + "); fencing again (attempt " + (f.attempts() + 1) + ")");
    }
    if (!f.done()) {
      return stay(Action.NONE, ReasonCode.FENCE_IN_PROGRESS, "waiting for fencing to complete");
    }
    if (releaseLostAfterFence) {
      releaseLostAfterFence = false;
      return move(
          AgentState.FENCED,
          Action.RELEASE,
          ReasonCode.RELEASING_TICKET,
          "fenced; releasing lost ticket epoch "
              + s.ticket().epoch()
              + " (tells the witness the service is stopped here)");
    }
    if (releaseAfterFence && s.ticket().valid()) {
      releaseAfterFence = false;
      handoverAnnouncedUntil = s.nowNanos() + settings.ticketTtl().toNanos();
      return move(
          AgentState.FENCED,
          Action.RELEASE,
          ReasonCode.RELEASING_TICKET,
          "fenced; releasing ticket epoch "
              + s.ticket().epoch()
              + (handingOverTo != null ? " for " + handingOverTo : ""));
    }
    return move(
        AgentState.FENCED, Action.NONE, ReasonCode.FENCED, "fenced: the service is stopped here");
  }

  private Outcome fenced(TickSnapshot s) {
    if (maintenanceAfterFence || maintenanceRequested) {
      maintenanceAfterFence = false;
      return move(
          AgentState.MAINTENANCE, Action.NONE, ReasonCode.MAINTENANCE_ENTERED, "maintenance on");
    }
    return move(
        AgentState.STANDBY,
        Action.NONE,
        ReasonCode.FENCED,
        "fenced; standing by, " + s.health().summary());
  }

  private Outcome maintenance(TickSnapshot s) {
    if (s.ticket().valid()) {
      return stay(
          Action.RELEASE,
          ReasonCode.UNEXPECTED_TICKET_RELEASED,
          "releasing ticket epoch " + s.ticket().epoch() + " held in maintenance");
    }
    if (!maintenanceRequested) {
      return move(
          AgentState.STANDBY,
          Action.NONE,
          ReasonCode.MAINTENANCE_LEFT,
          "maintenance off; standing by");
    }
    return stay(Action.NONE, ReasonCode.MAINTENANCE, "no action: in maintenance");
  }

  /**
   * Recompute the failsafe horizon: the earliest end, on our clock, of the latest promise from
   * every peer, each anchored at our request's send time minus the drift margin. A promise counts
   * only if it answers a request sent within the last tick and a half.
   */
  private void updateFailsafe(TickSnapshot s) {
    boolean ticketOk = s.ticket().valid() && s.ticket().state() == TicketHolder.State.HELD;
    lastTicketOk = ticketOk;
    if (!settings.witnessOutageFailsafe() || (s.witnessReachable() && ticketOk)) {
      failsafe.stop();
    } else {
      failsafe.update(s);
    }
  }

  private void trackFailback(TickSnapshot s, PeerReport preferred, long now) {
    failbackGoodSince.keySet().removeIf(k -> preferred == null || !k.equals(preferred.site()));
    if (preferred != null) {
      failbackGoodSince.putIfAbsent(preferred.site(), now);
    }
  }

  private static String secs(long nanos) {
    return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
  }

  /** For the API: a short status line. */
  public synchronized String status() {
    Decision d = history.latest();
    return settings.site() + " " + state + (d == null ? "" : ": " + d.words());
  }
}
