package io.tandem.core.agent;

import static io.tandem.core.agent.PortCalls.call;
import static io.tandem.core.agent.PortCalls.message;

import io.tandem.core.agent.effects.Activation;
import io.tandem.core.agent.effects.ActivationCause;
import io.tandem.core.agent.effects.ActivationResult;
import io.tandem.core.agent.effects.FenceRequest;
import io.tandem.core.agent.effects.FenceResult;
import io.tandem.core.agent.effects.SiteEffects;
import io.tandem.core.agent.guard.GuardBeat;
import io.tandem.core.agent.guard.GuardLink;
import io.tandem.core.agent.guard.GuardReply;
import io.tandem.core.witness.FencingToken;
import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.TicketView;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the agent does to its own site: activate and fence through {@link SiteEffects}, the status
 * of both as the decision loop reads them ({@link ActivationStatus}, {@link FenceStatus}), the
 * epoch the local PBX serves under, and the fence guard: its beats (until when the PBX may serve)
 * and its replies (a guard fence that undid an activation while the ticket is still held).
 *
 * <p>Threading: confined to the agent's thread (the {@link AgentScheduler}'s, one task at a time),
 * like every part of {@link AgentCore}; no lock. Completions of the {@link SiteEffects} stages hand
 * over to that thread through {@code onAgentThread} (which drops them once the agent stopped)
 * before they touch any state here. Only {@link #servingEpoch()} may be read from any thread.
 */
final class LocalEffects {

  // the same logger as before the split: operators' log configuration names AgentCore
  private static final Logger log = LoggerFactory.getLogger(AgentCore.class);

  private final AgentSettings settings;
  private final TicketHolder holder;
  private final DecisionLoop loop;
  private final SiteEffects effects;
  private final AgentScheduler scheduler;
  private final Consumer<GuardBeat> guard;
  private final ActivationCauses causes;
  private final Consumer<Runnable> onAgentThread;
  private final Runnable decide;

  private FenceStatus fence = FenceStatus.NONE;
  private ActivationStatus activation = ActivationStatus.NONE;
  private ActivationCause cause;
  private long causeEpoch;
  private int fenceGeneration;

  /** When the latest activation began (agent's monotonic clock), or MIN_VALUE if none. */
  private long activationStartedAt = Long.MIN_VALUE;

  /** The end of the latest guard fence this agent acted on (a reply repeats it every beat). */
  private long guardFenceSeen = GuardReply.NEVER;

  /** The epoch of a running activation that a guard fence may have undone (0 if none). */
  private long guardFencedRun;

  private String guardWords = "";

  /** The epoch the local PBX serves (or may still serve) under; 0 once a fence completed. */
  private volatile long servingEpoch;

  /** How many beats this agent handed to the guard link (beat n is the n-th: {@link GuardLink}). */
  private long beatsHanded;

  /** An activation waiting for the guard to acknowledge the beat arming it, or null. */
  private GuardBarrier barrier;

  /**
   * An activation under {@code epoch} that goes on once the guard answers beat {@code armBeat} or a
   * later one, if that answer comes before {@code untilNanos} (the arming beat's deadline: the
   * ticket's self-fence point when the activation was decided).
   */
  private record GuardBarrier(
      long epoch, long armBeat, long decidedAt, long untilNanos, Activation activation) {}

  /**
   * @param onAgentThread runs a task on the agent thread if the agent still runs
   * @param decide ticks the decision loop now (on the agent thread)
   */
  LocalEffects(
      AgentSettings settings,
      TicketHolder holder,
      DecisionLoop loop,
      SiteEffects effects,
      AgentScheduler scheduler,
      Consumer<GuardBeat> guard,
      ActivationCauses causes,
      Consumer<Runnable> onAgentThread,
      Runnable decide) {
    this.settings = settings;
    this.holder = holder;
    this.loop = loop;
    this.effects = effects;
    this.scheduler = scheduler;
    this.guard = guard;
    this.causes = causes;
    this.onAgentThread = onAgentThread;
    this.decide = decide;
  }

  /** The epoch the local PBX serves (or may still serve) under; 0 once a fence completed. */
  long servingEpoch() {
    return servingEpoch;
  }

  FenceStatus fence() {
    return fence;
  }

  ActivationStatus activation() {
    return activation;
  }

  private String site() {
    return settings.site();
  }

  // ---- activation ----

  void activate(Decision d, TickSnapshot s) {
    Optional<FencingToken> token = holder.token();
    if (token.isEmpty()) {
      log.warn("agent {}: activation decided without a valid ticket", settings.site());
      return;
    }
    fence = new FenceStatus(FenceStatus.Phase.NONE, 0, "activated since the last fence");
    long epoch = token.get().epoch();
    servingEpoch = epoch;
    activationStartedAt = Long.MIN_VALUE; // set when the run starts (after the guard's barrier)
    guardFencedRun = 0;
    activation =
        new ActivationStatus(
            ActivationStatus.Phase.RUNNING,
            epoch,
            activation.epoch() == epoch ? activation.failures() : 0,
            "",
            0);
    // a retry under the same epoch keeps the cause the first attempt was given
    if (causeEpoch != epoch) {
      cause = causes.cause(s);
      causeEpoch = epoch;
    }
    Activation a = new Activation(token.get(), cause, d.words(), d.at());
    barrier = null;
    if (guard instanceof GuardLink link && link.answers()) {
      // the beat after this decision (AgentCore.decide beats the guard after dispatching) carries
      // the epoch and the ticket's self-fence point: it arms the guard for this epoch
      long until = holder.view().deadlineNanos() - settings.fenceLead().toNanos();
      GuardBarrier b = new GuardBarrier(epoch, beatsHanded + 1, scheduler.nanoTime(), until, a);
      barrier = b;
      scheduler.at(until, () -> onAgentThread.accept(() -> guardBarrierTimedOut(b)));
      return;
    }
    startRun(epoch, a); // no guard, or one that does not answer: as before (its absence is logged)
  }

  /**
   * The run itself: the runbook's switch stage sends "accept calls" as it starts, so this is the
   * first thing that can make the PBX take calls; with a guard that answers, it starts only once
   * the guard acknowledged the beat arming it for {@code epoch} (one socket round trip, about 1 ms,
   * answered by the reply itself: no poll).
   */
  private void startRun(long epoch, Activation a) {
    activationStartedAt = scheduler.nanoTime();
    call(() -> effects.activate(a))
        .whenComplete((r, e) -> onAgentThread.accept(() -> activationEnded(epoch, r, e)));
  }

  /**
   * No acknowledgement from the guard by the arming beat's deadline (the agent or its sender thread
   * was paused, the guard is wedged): the activation does not go on, and fails as a run that could
   * not complete (the loop's ACTIVATION_FAILED: retried with backoff, then a step-down for a
   * healthy peer).
   */
  private void guardBarrierTimedOut(GuardBarrier b) {
    if (barrier != b) {
      return; // acknowledged, cancelled by a fence, or superseded
    }
    barrier = null;
    String words =
        String.format(
            Locale.ROOT,
            "the fence guard did not acknowledge the beat arming it for epoch %d by the ticket's"
                + " self-fence point (%.3f s after the activation was decided); the PBX was not"
                + " told to take calls",
            b.epoch(),
            (b.untilNanos() - b.decidedAt()) / 1e9);
    activationEnded(
        b.epoch(),
        new ActivationResult(b.epoch(), ActivationResult.Outcome.FAILED, words, Optional.empty()),
        null);
  }

  private void activationEnded(long epoch, ActivationResult result, Throwable error) {
    if (activation.epoch() != epoch || activation.phase() != ActivationStatus.Phase.RUNNING) {
      return; // an answer for an attempt that no longer counts
    }
    ActivationResult.Outcome outcome =
        error != null ? ActivationResult.Outcome.FAILED : result.outcome();
    String words = error != null ? "activation failed: " + message(error) : result.words();
    if (guardFencedRun == epoch && outcome != ActivationResult.Outcome.NEEDS_OPERATOR) {
      // the guard fenced while this run was under way: its "accept new calls" may be undone (and a
      // run that failed may have failed for that alone): activate again at once
      guardFencedRun = 0;
      guardUndid(epoch, words + "; and " + guardWords);
      return;
    }
    ActivationStatus.Phase phase =
        switch (outcome) {
          case SUCCEEDED -> ActivationStatus.Phase.SUCCEEDED;
          case FAILED -> ActivationStatus.Phase.FAILED;
          case CANCELLED -> ActivationStatus.Phase.CANCELLED;
          case NEEDS_OPERATOR -> ActivationStatus.Phase.NEEDS_OPERATOR;
        };
    // a run stopped as fenced (CANCELLED) failed its job too if the ticket is still held: a step
    // outlived the time left it started with while renewals kept the ticket (the loop retries it);
    // after a fence the loop is no longer ACTIVE and never looks
    int failures =
        phase == ActivationStatus.Phase.FAILED || phase == ActivationStatus.Phase.CANCELLED
            ? activation.failures() + 1
            : phase == ActivationStatus.Phase.SUCCEEDED ? 0 : activation.failures();
    activation = new ActivationStatus(phase, epoch, failures, words, scheduler.nanoTime());
    if (phase == ActivationStatus.Phase.SUCCEEDED) {
      log.info("agent {}: activation under epoch {}: {}", site(), epoch, words);
    } else {
      log.warn("agent {}: activation under epoch {} {}: {}", site(), epoch, phase, words);
      decide.run(); // a holder that cannot do its job says so at once
    }
  }

  // ---- the fence guard ----

  /**
   * Tell the fence guard until when the PBX may serve: idle once a fence is confirmed and nothing
   * was activated since; else the self-fence point of the ticket (deadline − fence lead) or the end
   * of the failsafe's cover, whichever is later, and "now" (fence now) when neither covers us. A
   * new process whose start-up fence is not confirmed yet says "fence now" too.
   */
  void beatGuard() {
    long now = scheduler.nanoTime();
    GuardBeat beat;
    if (servingEpoch == 0 && fence.done()) {
      beat = GuardBeat.idleBeat();
    } else {
      long until = now;
      TicketView v = holder.view();
      if (v.state() == TicketHolder.State.HELD) {
        until = Math.max(until, v.deadlineNanos() - settings.fenceLead().toNanos());
      }
      long cover = loop.failsafeCoverUntil(now);
      if (cover != Long.MIN_VALUE) {
        until = Math.max(until, cover);
      }
      if (settings.keepRunningWithoutWitness() && loop.state() == AgentState.ACTIVE) {
        // UNSAFE mode: the guard only checks the agent still ticks (two ticks late is dead)
        until =
            Math.max(until, now + settings.fenceLead().toNanos() + 2 * settings.tick().toNanos());
      }
      beat = GuardBeat.serveUntil(until, servingEpoch);
    }
    beatsHanded++; // counted before handing over, as the link counts it (GuardLink)
    try {
      guard.accept(beat);
    } catch (RuntimeException e) {
      log.warn("agent {}: fence guard beat failed: {}", site(), e.toString());
    }
  }

  /** The guard's reply to beat number {@code beat} (see {@link AgentCore#onGuardReply}). */
  void guardReplied(GuardReply r, long beat) {
    GuardBarrier b = barrier;
    if (b != null && beat >= b.armBeat()) {
      barrier = null;
      if (scheduler.nanoTime() - b.untilNanos() >= 0) {
        barrier = b; // too late to count: the guard may have taken it past its deadline
        guardBarrierTimedOut(b);
        return;
      }
      startRun(b.epoch(), b.activation()); // the guard is armed for this epoch
      return;
    }
    if (servingEpoch == 0
        || activationStartedAt == Long.MIN_VALUE
        || r.lastFenceEndedNanos() == guardFenceSeen
        || !r.fencedSince(activationStartedAt)) {
      return; // no fence since the latest activation began (or one already acted on)
    }
    guardFenceSeen = r.lastFenceEndedNanos();
    long epoch = servingEpoch;
    guardWords =
        String.format(
            Locale.ROOT,
            "the fence guard stopped the PBX %.3f s after the activation under epoch %d began"
                + " (its fence %d since it started)",
            (r.lastFenceEndedNanos() - activationStartedAt) / 1e9,
            epoch,
            r.fences());
    if (loop.state() != AgentState.ACTIVE || activation.epoch() != epoch) {
      log.info("agent {}: {}; the agent is {}, nothing to undo", site(), guardWords, loop.state());
      return;
    }
    if (activation.phase() == ActivationStatus.Phase.RUNNING) {
      guardFencedRun = epoch; // judged when the run ends
      log.warn("agent {}: {}, while it runs; judging it when it ends", site(), guardWords);
      return;
    }
    if (activation.phase() == ActivationStatus.Phase.SUCCEEDED) {
      guardUndid(epoch, guardWords);
    }
  }

  /**
   * The guard's fence undid the activation under {@code epoch} while this site still holds the
   * ticket: the loop activates again at once (a guard fence is no failure of the activation, so no
   * backoff and no count towards the step-down bound; an activation that then fails counts as
   * usual, and past the bound the site steps down for a healthy peer). If the ticket is no longer
   * valid the loop fences instead.
   */
  private void guardUndid(long epoch, String words) {
    log.warn(
        "agent {}: {}; the PBX refuses new calls while the ticket is still held: activating again"
            + " under epoch {}",
        site(),
        words,
        epoch);
    activation =
        new ActivationStatus(
            ActivationStatus.Phase.GUARD_FENCED,
            epoch,
            activation.failures(),
            words,
            scheduler.nanoTime());
    decide.run(); // ActivationTrouble: REACTIVATING_AFTER_GUARD_FENCE, at once
  }

  // ---- fence ----

  void fence(Decision d) {
    if (fence.phase() != FenceStatus.Phase.PENDING && fence.phase() != FenceStatus.Phase.UNKNOWN) {
      // every step-down says why, once (a repeated fence says so in fenceEnded)
      log.warn("agent {}: fencing the local PBX ({}): {}", site(), d.reason(), d.words());
    }
    if (barrier != null) {
      // an activation still waiting for the guard: it never started, so it ends here, as a run the
      // fence cancelled would
      GuardBarrier b = barrier;
      barrier = null;
      onAgentThread.accept(
          () ->
              activationEnded(
                  b.epoch(),
                  new ActivationResult(
                      b.epoch(),
                      ActivationResult.Outcome.CANCELLED,
                      "cancelled by a fence before the fence guard acknowledged the beat arming it",
                      Optional.empty()),
                  null));
    }
    int generation = ++fenceGeneration;
    fence = new FenceStatus(FenceStatus.Phase.PENDING, fence.attempts() + 1, fence.words());
    FenceRequest r = new FenceRequest(d.words(), fenceMode(d.reason()), fenceBudget(d.reason()));
    call(() -> effects.fence(r))
        .whenComplete((res, e) -> onAgentThread.accept(() -> fenceEnded(generation, res, e)));
  }

  private void fenceEnded(int generation, FenceResult result, Throwable error) {
    if (generation != fenceGeneration) {
      return; // a later fence superseded this one
    }
    if (error == null && result.outcome() == FenceResult.Outcome.DONE) {
      fence = new FenceStatus(FenceStatus.Phase.DONE, 0, result.words());
      servingEpoch = 0;
      decide.run();
      return;
    }
    // a fence that failed or timed out is unknown, never done: the next tick fences again
    String words = error != null ? "fence failed: " + message(error) : result.words();
    log.warn("agent {}: {} (attempt {})", site(), words, fence.attempts());
    fence = new FenceStatus(FenceStatus.Phase.UNKNOWN, fence.attempts(), words);
  }

  /** Planned hand-overs keep calls for the successor to drain; every other step-down is full. */
  static FenceRequest.Mode fenceMode(ReasonCode reason) {
    return switch (reason) {
      case SWITCHOVER_RELEASING, FAILBACK_RELEASING, UNHEALTHY_HANDING_OVER ->
          FenceRequest.Mode.HANDOVER;
      default -> FenceRequest.Mode.FULL;
    };
  }

  /**
   * A self-fence because the ticket (or the failsafe's cover) is running out must be over by the
   * local deadline: {@code fenceLead}. Nothing presses the others (start-up, maintenance, planned
   * hand-over, a retry after an unknown fence), so they get {@code fenceLead + witnessGrace}.
   */
  Duration fenceBudget(ReasonCode reason) {
    Duration lead = settings.fenceLead(); // at least one tick (the timing rules say so)
    return switch (reason) {
      case TICKET_EXPIRED, TICKET_LOST, FAILSAFE_CONFIRMATION_MISSING -> lead;
      default -> lead.plus(settings.witnessGrace());
    };
  }
}
