package io.tandem.core.agent;

import io.tandem.core.agent.effects.Activation;
import io.tandem.core.agent.effects.ActivationCause;
import io.tandem.core.agent.effects.ActivationResult;
import io.tandem.core.agent.effects.FenceRequest;
import io.tandem.core.agent.effects.FenceResult;
import io.tandem.core.agent.effects.SiteEffects;
import io.tandem.core.agent.guard.GuardBeat;
import io.tandem.core.agent.guard.GuardReply;
import io.tandem.core.health.SiteHealth;
import io.tandem.core.witness.FencingToken;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.TicketListener;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.TicketView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One site's agent, written once: production ({@code AgentDriver}), the lab and the simulation run
 * this class and differ only in the ports they plug in. Every tick it builds the immutable {@link
 * TickSnapshot}, ticks the {@link DecisionLoop}, carries out the decision's action through {@link
 * SiteEffects} (activate, fence) and the {@link WitnessLink} (acquire, release), reports to its
 * peers, renews or pings the witness, and hands witness replies, peer reports, promises and effect
 * completions back to the loop.
 *
 * <p>Threading: every change to the core's state runs on the {@link AgentScheduler}'s agent thread
 * (one task at a time), so nothing here needs a lock; the public inbound methods ({@link
 * #onReport}, {@link #onPromiseRequest}, {@link #onPromise}, {@link #command}) may be called from
 * any thread and hand over to it. Decision listeners run on the agent thread and must not block.
 *
 * <p>Why a site activates is decided here, from what it saw (see {@link ActivationCause}): {@code
 * Forced} for an acknowledged forced acquire; {@code PlannedHandover} when the releasing site named
 * us; {@code FirstActivation} when no site was ever seen serving and the witness named no earlier
 * holder; {@code Outage} otherwise, with the site last seen serving, its epoch, and the fault's
 * first sign (its first failing report while serving, else the last time we heard it).
 */
public final class AgentCore {

  private static final Logger log = LoggerFactory.getLogger(AgentCore.class);

  private final AgentSettings settings;
  private final TicketHolder holder;
  private final DecisionHistory history;
  private final PeerBoard board;
  private final DecisionLoop loop;
  private final Supplier<SiteHealth> health;
  private final IntSupplier activeCalls;
  private final WitnessLink witness;
  private final PeerLink peers;
  private final SiteEffects effects;
  private final AgentScheduler scheduler;
  private final Consumer<GuardBeat> guard;
  private final List<String> sortedPeers;
  private final List<Consumer<Decision>> decisionListeners = new CopyOnWriteArrayList<>();
  private final List<java.util.function.LongConsumer> tickListeners = new CopyOnWriteArrayList<>();

  // ---- confined to the agent thread ----
  private final List<OperatorCommand> commands = new ArrayList<>();
  private long lastWitnessReply;
  private boolean anyWitnessReply;
  private long pingSentAt = Long.MIN_VALUE;
  private long lastWitnessSent = Long.MIN_VALUE;
  private TicketRequest acquireInFlight;
  private long acquireSentAt = Long.MIN_VALUE;
  private FenceStatus fence = FenceStatus.NONE;
  private ActivationStatus activation = ActivationStatus.NONE;
  private ActivationCause cause;
  private long causeEpoch;
  private int fenceGeneration;
  private boolean acquireForced;
  private String handoverFrom;
  private long handoverFromEpoch;
  private long acquireDecidedAt;
  private Ticket witnessNamedOther;
  private long witnessNamedEpoch;
  private long nextTickAt;

  /** When the latest activation began (agent's monotonic clock), or MIN_VALUE if none. */
  private long activationStartedAt = Long.MIN_VALUE;

  /** The end of the latest guard fence this agent acted on (a reply repeats it every beat). */
  private long guardFenceSeen = GuardReply.NEVER;

  /** The epoch of a running activation that a guard fence may have undone (0 if none). */
  private long guardFencedRun;

  /** The epoch the local PBX serves (or may still serve) under; 0 once a fence completed. */
  private volatile long servingEpoch;

  private volatile boolean running;

  private AgentCore(Builder b) {
    this.settings = Objects.requireNonNull(b.settings, "settings");
    this.holder = Objects.requireNonNull(b.holder, "holder");
    this.history = Objects.requireNonNull(b.history, "history");
    this.board = Objects.requireNonNull(b.board, "board");
    this.health = Objects.requireNonNull(b.health, "health");
    this.activeCalls = Objects.requireNonNull(b.activeCalls, "activeCalls");
    this.witness = Objects.requireNonNull(b.witness, "witness");
    this.peers = Objects.requireNonNull(b.peers, "peers");
    this.effects = Objects.requireNonNull(b.effects, "effects");
    this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler");
    this.guard = Objects.requireNonNull(b.guard, "guard");
    if (!holder.site().equals(settings.site()) || !holder.cluster().equals(settings.cluster())) {
      throw new IllegalArgumentException(
          "ticket holder is for " + holder.cluster() + "/" + holder.site() + ", not this agent");
    }
    this.sortedPeers = settings.peers().stream().sorted().toList();
    this.loop = new DecisionLoop(settings, holder, history, scheduler.nanoTime());
    decisionListeners.addAll(b.decisionListeners);
    holder.addListener(
        new TicketListener() {
          @Override
          public void selfFence(long epoch, String reason) {
            // step down first: decide at once, not at the next tick
            scheduler.execute(AgentCore.this::decide);
          }

          @Override
          public void lost(long epoch, String reason) {
            scheduler.execute(AgentCore.this::decide);
          }

          @Override
          public void acquired(Ticket ticket) {
            schedulePolls();
          }
        });
  }

  public static Builder builder() {
    return new Builder();
  }

  // ---- observers (any thread) ----

  public String site() {
    return settings.site();
  }

  public AgentSettings settings() {
    return settings;
  }

  public DecisionLoop loop() {
    return loop;
  }

  public TicketHolder holder() {
    return holder;
  }

  public DecisionHistory history() {
    return history;
  }

  public PeerBoard board() {
    return board;
  }

  public AgentState state() {
    return loop.state();
  }

  public boolean running() {
    return running;
  }

  /** Whether the decision loop says this site serves now (ACTIVE and covered). */
  public boolean serving() {
    return running && loop.serving(scheduler.nanoTime());
  }

  /** The epoch the local PBX serves (or may still serve) under; 0 once a fence completed. */
  public long servingEpoch() {
    return servingEpoch;
  }

  /** Our monotonic clock, the one peer receipt times are stamped with. */
  public long nowNanos() {
    return scheduler.nanoTime();
  }

  /** Also tell {@code listener} every decision (on the agent thread; must not block). */
  public void addDecisionListener(Consumer<Decision> listener) {
    decisionListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Also tell {@code listener} how late each tick ran against its schedule, in nanoseconds (on the
   * agent thread; must not block): the tick lateness histogram.
   */
  public void addTickListener(java.util.function.LongConsumer listener) {
    tickListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  // ---- life cycle ----

  /** Start ticking; the first tick comes after {@code firstTickDelayNanos}. */
  public void start(long firstTickDelayNanos) {
    running = true;
    loop.holdFrom(scheduler.nanoTime());
    nextTickAt = scheduler.nanoTime() + Math.max(0, firstTickDelayNanos);
    scheduler.at(nextTickAt, this::tick);
  }

  /** Stop: no more ticks, replies and completions are ignored (as a crash would, but cleanly). */
  public void stop() {
    running = false;
  }

  // ---- inbound (any thread) ----

  /** A peer's report arrived. */
  public void onReport(PeerReport report) {
    Objects.requireNonNull(report, "report");
    onAgentThread(() -> board.onReport(report, scheduler.nanoTime()));
  }

  /** A peer asks us to promise not to acquire; we answer over the peer link. */
  public void onPromiseRequest(String from, long sentAtNanos) {
    Objects.requireNonNull(from, "from");
    onAgentThread(
        () ->
            peers.sendPromise(
                from,
                loop.answerPromise(
                    from, sentAtNanos, scheduler.nanoTime(), board.reports().get(from))));
  }

  /** A peer's promise (or refusal) answering our request. */
  public void onPromise(PeerPromise promise) {
    Objects.requireNonNull(promise, "promise");
    onAgentThread(() -> board.onPromise(promise));
  }

  /**
   * The fence guard answered a beat (guards that answer; see {@link GuardReply}). If it fenced the
   * PBX after the latest activation began while this site still holds a valid ticket, the PBX
   * refuses new calls under a holder that believes it serves: activate again (the decision loop's
   * retry, with its ticket and epoch checks); if that fails the loop's usual bound steps down.
   */
  public void onGuardReply(GuardReply reply) {
    Objects.requireNonNull(reply, "reply");
    onAgentThread(() -> guardReplied(reply));
  }

  /** Queue an operator command for the next tick. */
  public void command(OperatorCommand c) {
    Objects.requireNonNull(c, "command");
    onAgentThread(() -> commands.add(c));
  }

  private void onAgentThread(Runnable r) {
    if (running) {
      scheduler.execute(
          () -> {
            if (running) {
              r.run();
            }
          });
    }
  }

  // ---- the tick ----

  private void tick() {
    if (!running) {
      return;
    }
    long planned = nextTickAt;
    long late = Math.max(0, scheduler.nanoTime() - planned);
    for (java.util.function.LongConsumer l : tickListeners) {
      try {
        l.accept(late);
      } catch (RuntimeException e) {
        log.error("agent {}: tick listener failed", settings.site(), e);
      }
    }
    try {
      decide();
      long now = scheduler.nanoTime();
      PeerReport report = loop.report(now, servingEpoch, safeCalls());
      for (String peer : sortedPeers) {
        peers.sendReport(peer, report);
      }
      if (loop.wantsPromises()) {
        for (String peer : sortedPeers) {
          peers.sendPromiseRequest(peer, settings.site(), now);
        }
      }
      if (loop.state() == AgentState.ACTIVE && holder.renewalDue()) {
        renew();
      } else if (loop.state() == AgentState.ACQUIRING && acquireResendDue(now)) {
        resendAcquire();
      } else if (pollDue(now)) {
        ping(now);
      }
    } catch (RuntimeException e) {
      // a bug in one tick must not stop the loop: the next tick re-reads everything
      log.error("agent {}: tick failed", settings.site(), e);
    } finally {
      scheduleNextTick(planned);
    }
  }

  private void scheduleNextTick(long planned) {
    long period = settings.tick().toNanos();
    long next = planned + period;
    long now = scheduler.nanoTime();
    if (next - now < 0) {
      // late by more than a period (a pause): skip the missed ticks instead of running them all
      next += ((now - next) / period + 1) * period;
    }
    nextTickAt = next;
    scheduler.at(next, this::tick);
  }

  /**
   * Whether to ask the witness for the ticket now (17.3: fewer requests per cluster): no ask in
   * flight (or it is older than the retry timeout), and no request of any kind — acquire, renewal,
   * ask — went out for a poll interval. Every answer proves the witness reachable, so a holder
   * renewing every 300 ms never asks, and a standby asks every fifth tick at the defaults; a
   * takeover is not slowed, because a standby acquires on its own tick once its peer's reports
   * stop, and its reachability window spans the poll interval.
   */
  private boolean pollDue(long now) {
    if (pingSentAt != Long.MIN_VALUE && now - pingSentAt <= settings.retryTimeout().toNanos()) {
      return false;
    }
    // half a tick of slack: a request sent a moment after a tick must not push the ask a tick on
    long poll = settings.witnessPollInterval().toNanos() - settings.tick().toNanos() / 2;
    return lastWitnessSent == Long.MIN_VALUE || now - lastWitnessSent >= poll;
  }

  private int safeCalls() {
    try {
      return Math.max(-1, activeCalls.getAsInt());
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private void decide() {
    if (!running) {
      return;
    }
    long now = scheduler.nanoTime();
    boolean reachable =
        anyWitnessReply && now - lastWitnessReply <= settings.witnessReachableWindow().toNanos();
    TickSnapshot s =
        new TickSnapshot(
            now,
            scheduler.wallTime(),
            health.get(),
            holder.view(),
            reachable,
            board.reports(),
            board.promises(),
            List.copyOf(commands),
            fence,
            activation);
    commands.clear();
    Decision d = loop.tick(s);
    for (Consumer<Decision> l : decisionListeners) {
      try {
        l.accept(d);
      } catch (RuntimeException e) {
        log.error("agent {}: decision listener failed", settings.site(), e);
      }
    }
    dispatch(d, s);
    beatGuard();
  }

  /**
   * Tell the fence guard until when the PBX may serve: idle once a fence is confirmed and nothing
   * was activated since; else the self-fence point of the ticket (deadline − fence lead) or the end
   * of the failsafe's cover, whichever is later, and "now" (fence now) when neither covers us. A
   * new process whose start-up fence is not confirmed yet says "fence now" too.
   */
  private void beatGuard() {
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
    try {
      guard.accept(beat);
    } catch (RuntimeException e) {
      log.warn("agent {}: fence guard beat failed: {}", site(), e.toString());
    }
  }

  private void dispatch(Decision d, TickSnapshot s) {
    switch (d.action()) {
      case ACQUIRE, FORCE_ACQUIRE -> acquire(d, s);
      case ACTIVATE -> activate(d, s);
      case FENCE -> fence(d);
      case RELEASE -> release(s.ticket().epoch());
      case NONE -> {}
    }
  }

  // ---- witness ----

  private void acquire(Decision d, TickSnapshot s) {
    boolean force = d.action() == Action.FORCE_ACQUIRE;
    noteAcquire(force, d.reason(), s.nowNanos());
    long sentAt = holder.markSent();
    lastWitnessSent = sentAt;
    // present the newest epoch we know: the witness lifts its counter past it, so an epoch is
    // never issued twice even if the witness lost its state
    long known = knownEpoch();
    TicketRequest r =
        force
            ? TicketRequest.forced(
                settings.cluster(),
                settings.site(),
                s.health().healthy(),
                settings.ticketTtl(),
                known,
                TicketRequest.FORCE_ACKNOWLEDGEMENT)
            : TicketRequest.acquire(
                settings.cluster(),
                settings.site(),
                s.health().healthy(),
                settings.ticketTtl(),
                known);
    acquireInFlight = force ? null : r; // a forced acquire goes over HTTPS, once
    acquireSentAt = sentAt;
    onReply(sentAt, call(() -> witness.acquire(r)), true);
  }

  /**
   * Whether the acquire in flight should go again (17.1, the lossy site-loss p99): unanswered for a
   * retry interval (a third of the renew interval, less the timer slack: a standby has no
   * round-trip samples, and a takeover is rare enough that a copy sent before a slow answer costs
   * nothing), within the first retry timeout of the acquire, and only to a witness that answers
   * copies alike ({@link WitnessLink#answersConcurrentAcquiresAlike()}). Before, a lost acquire or
   * answer cost the whole retry timeout and a tick: half a second each, two seconds at the p99 of a
   * 20 %-loss link.
   */
  private boolean acquireResendDue(long now) {
    if (acquireInFlight == null
        || acquireSentAt == Long.MIN_VALUE
        || !witness.answersConcurrentAcquiresAlike()) {
      return false; // never two in flight to a witness that might refuse the second (Witness)
    }
    // resends within the first retry timeout of the acquire (a standby whose witness is down does
    // not resend for ever); the loop waits a retry timeout after the last one (StandbyRules)
    long window = loop.acquiringSince + settings.retryTimeout().toNanos() - holder.retryNanos();
    return now - acquireSentAt >= holder.retryNanos() - holder.timerSlack() && now - window < 0;
  }

  /**
   * The same acquire again, as two requests (two datagrams, two nonces, one send time): the witness
   * answers a duplicate acquire from the site it granted under the newest epoch with that grant
   * (docs/witness-protocol.md, rule 2), so a resend never costs an epoch.
   */
  private void resendAcquire() {
    TicketRequest r = acquireInFlight;
    long sentAt = holder.markSent();
    lastWitnessSent = sentAt;
    acquireSentAt = sentAt;
    for (int i = 0; i < 2; i++) {
      onReply(sentAt, call(() -> witness.acquire(r)), true);
    }
  }

  /** The newest epoch this agent has seen: its own, the witness's answers, its peers' reports. */
  private long knownEpoch() {
    long e = Math.max(holder.view().epoch(), witnessNamedEpoch);
    for (PeerBoard.PeerMemory m : board.memory().values()) {
      e = Math.max(e, m.lastServingEpoch());
    }
    return Math.min(e, TicketRequest.MAX_EPOCH);
  }

  private void renew() {
    long epoch = holder.view().epoch();
    int copies = holder.renewalCopies(); // two when the link loses (17.1: redundancy)
    long sentAt = holder.markSent();
    lastWitnessSent = sentAt;
    TicketRequest r =
        TicketRequest.renew(
            settings.cluster(), settings.site(), safeHealthy(), settings.ticketTtl(), epoch);
    for (int i = 0; i < copies; i++) {
      onReply(sentAt, call(() -> witness.renew(r)), false);
    }
  }

  private boolean safeHealthy() {
    return health.get().healthy();
  }

  private void ping(long sentAt) {
    pingSentAt = sentAt;
    lastWitnessSent = sentAt;
    call(() -> witness.observe(settings.cluster()))
        .whenComplete(
            (ticket, error) ->
                onAgentThread(
                    () -> {
                      if (pingSentAt == sentAt) {
                        pingSentAt = Long.MIN_VALUE;
                      }
                      if (error != null) {
                        holder.onFailure(sentAt, message(error));
                        return;
                      }
                      witnessAnswered();
                      ticket.ifPresent(this::noteWitnessTicket);
                    }));
  }

  private void release(long epoch) {
    holder.released();
    call(() -> witness.release(settings.cluster(), settings.site(), epoch))
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                log.warn(
                    "agent {}: release of epoch {} failed: {}",
                    settings.site(),
                    epoch,
                    message(error));
              }
            });
  }

  private void onReply(long sentAt, CompletionStage<TicketResult> reply, boolean tickOnReply) {
    reply.whenComplete(
        (result, error) ->
            onAgentThread(
                () -> {
                  if (error != null) {
                    holder.onFailure(sentAt, message(error));
                    return;
                  }
                  witnessAnswered();
                  if (tickOnReply) {
                    acquireInFlight = null; // answered (granted or refused): nothing to resend
                  }
                  if (result.ticket() != null) {
                    noteWitnessTicket(result.ticket());
                  }
                  long deadline = holder.view().deadlineNanos();
                  holder.onResult(sentAt, result);
                  if (tickOnReply && loop.state() == AgentState.ACQUIRING) {
                    decide();
                  } else if (holder.view().deadlineNanos() != deadline) {
                    // tell the guard at once, not at the next tick: a renewal answered in the
                    // last tick before the old self-fence point would otherwise reach the guard
                    // after it fenced (the window shrinks to the socket's latency)
                    beatGuard();
                  }
                }));
  }

  private void witnessAnswered() {
    lastWitnessReply = scheduler.nanoTime();
    anyWitnessReply = true;
  }

  private void noteWitnessTicket(Ticket t) {
    witnessNamedEpoch = Math.max(witnessNamedEpoch, t.epoch());
    if (!t.holder().equals(settings.site())) {
      witnessNamedOther = t;
    }
  }

  /** The holder fences itself at its deadline even if no tick happens to fall there. */
  private void schedulePolls() {
    long fenceAt = holder.fenceAtNanos();
    Runnable poll =
        () -> {
          if (running) {
            holder.poll();
          }
        };
    scheduler.at(fenceAt, poll);
    scheduler.at(fenceAt + settings.fenceLead().toNanos(), poll);
  }

  // ---- effects ----

  private void activate(Decision d, TickSnapshot s) {
    Optional<FencingToken> token = holder.token();
    if (token.isEmpty()) {
      log.warn("agent {}: activation decided without a valid ticket", settings.site());
      return;
    }
    fence = new FenceStatus(FenceStatus.Phase.NONE, 0, "activated since the last fence");
    long epoch = token.get().epoch();
    servingEpoch = epoch;
    activationStartedAt = scheduler.nanoTime();
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
      cause = cause(s);
      causeEpoch = epoch;
    }
    Activation a = new Activation(token.get(), cause, d.words(), d.at());
    call(() -> effects.activate(a))
        .whenComplete((r, e) -> onAgentThread(() -> activationEnded(epoch, r, e)));
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
      decide(); // a holder that cannot do its job says so at once
    }
  }

  private String guardWords = "";

  private void guardReplied(GuardReply r) {
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
            java.util.Locale.ROOT,
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
    decide(); // ActivationTrouble: REACTIVATING_AFTER_GUARD_FENCE, at once
  }

  private void fence(Decision d) {
    if (fence.phase() != FenceStatus.Phase.PENDING && fence.phase() != FenceStatus.Phase.UNKNOWN) {
      // every step-down says why, once (a repeated fence says so in fenceEnded)
      log.warn("agent {}: fencing the local PBX ({}): {}", site(), d.reason(), d.words());
    }
    int generation = ++fenceGeneration;
    fence = new FenceStatus(FenceStatus.Phase.PENDING, fence.attempts() + 1, fence.words());
    FenceRequest r = new FenceRequest(d.words(), fenceMode(d.reason()), fenceBudget(d.reason()));
    call(() -> effects.fence(r))
        .whenComplete((res, e) -> onAgentThread(() -> fenceEnded(generation, res, e)));
  }

  private void fenceEnded(int generation, FenceResult result, Throwable error) {
    if (generation != fenceGeneration) {
      return; // a later fence superseded this one
    }
    if (error == null && result.outcome() == FenceResult.Outcome.DONE) {
      fence = new FenceStatus(FenceStatus.Phase.DONE, 0, result.words());
      servingEpoch = 0;
      decide();
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

  // ---- why we activate ----

  private void noteAcquire(boolean force, ReasonCode reason, long now) {
    acquireForced = force;
    acquireDecidedAt = now;
    handoverFrom = null;
    handoverFromEpoch = 0;
    if (reason == ReasonCode.SWITCHOVER_TARGET_ACQUIRING) {
      board.reports().values().stream()
          .filter(r -> settings.site().equals(r.handingOverTo()))
          .min(Comparator.comparing(PeerReport::site))
          .ifPresent(
              r -> {
                handoverFrom = r.site();
                PeerBoard.PeerMemory m = board.memory().get(r.site());
                handoverFromEpoch = m == null ? 0 : m.lastServingEpoch();
              });
    }
  }

  private ActivationCause cause(TickSnapshot s) {
    Optional<PeerBoard.PeerMemory> last = board.lastServing();
    Optional<String> lastSite = last.map(PeerBoard.PeerMemory::site);
    long lastEpoch = last.map(PeerBoard.PeerMemory::lastServingEpoch).orElse(0L);
    if (acquireForced) {
      return new ActivationCause.Forced(lastSite, lastEpoch);
    }
    if (handoverFrom != null) {
      return new ActivationCause.PlannedHandover(handoverFrom, handoverFromEpoch);
    }
    if (last.isEmpty() && !board.anySeenServing() && witnessNamedOther == null) {
      return new ActivationCause.FirstActivation();
    }
    long firstSign = last.map(PeerBoard.PeerMemory::faultFirstSeenNanos).orElse(acquireDecidedAt);
    Instant at = s.wallTime().minusNanos(s.nowNanos() - firstSign);
    return new ActivationCause.Outage(lastSite, lastEpoch, at);
  }

  // ---- helpers ----

  /** A port call that throws at once is a failed stage, like one that fails later. */
  private static <T> CompletionStage<T> call(Supplier<CompletionStage<T>> c) {
    try {
      return Objects.requireNonNull(c.get(), "a port returned no stage");
    } catch (RuntimeException e) {
      return java.util.concurrent.CompletableFuture.failedFuture(e);
    }
  }

  private static String message(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return c.getMessage() != null ? c.getMessage() : c.toString();
  }

  /** Builds an {@link AgentCore}; every port is required except {@code activeCalls}. */
  public static final class Builder {
    private AgentSettings settings;
    private TicketHolder holder;
    private DecisionHistory history;
    private PeerBoard board;
    private Supplier<SiteHealth> health;
    private IntSupplier activeCalls = () -> -1;
    private WitnessLink witness;
    private PeerLink peers;
    private SiteEffects effects;
    private AgentScheduler scheduler;
    private Consumer<GuardBeat> guard = beat -> {};
    private final List<Consumer<Decision>> decisionListeners = new ArrayList<>();

    private Builder() {}

    public Builder settings(AgentSettings v) {
      settings = v;
      return this;
    }

    /** The ticket holder (the runbook engine's ticket guard asks the same one). */
    public Builder holder(TicketHolder v) {
      holder = v;
      return this;
    }

    public Builder history(DecisionHistory v) {
      history = v;
      return this;
    }

    public Builder board(PeerBoard v) {
      board = v;
      return this;
    }

    /** Own health; called on the agent thread, must not block. */
    public Builder health(Supplier<SiteHealth> v) {
      health = v;
      return this;
    }

    /** Calls up on the local PBX, -1 if unknown; called on the agent thread, must not block. */
    public Builder activeCalls(IntSupplier v) {
      activeCalls = v;
      return this;
    }

    public Builder witness(WitnessLink v) {
      witness = v;
      return this;
    }

    public Builder peers(PeerLink v) {
      peers = v;
      return this;
    }

    public Builder effects(SiteEffects v) {
      effects = v;
      return this;
    }

    public Builder scheduler(AgentScheduler v) {
      scheduler = v;
      return this;
    }

    /**
     * Where the fence guard's beats go, after every decision (on the agent thread; must not block).
     * Default: nowhere (no guard).
     */
    public Builder guard(Consumer<GuardBeat> v) {
      guard = v;
      return this;
    }

    public Builder onDecision(Consumer<Decision> v) {
      decisionListeners.add(Objects.requireNonNull(v, "listener"));
      return this;
    }

    public AgentCore build() {
      return new AgentCore(this);
    }
  }
}
