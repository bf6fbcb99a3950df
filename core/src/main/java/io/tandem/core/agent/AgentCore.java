package io.tandem.core.agent;

import io.tandem.core.agent.effects.SiteEffects;
import io.tandem.core.agent.guard.GuardBeat;
import io.tandem.core.agent.guard.GuardLink;
import io.tandem.core.agent.guard.GuardReply;
import io.tandem.core.health.SiteHealth;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.TicketListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
 * <p>The tick, the snapshot, the peers and the operator's commands live here; the rest is in
 * package-private parts, each confined to the same agent thread: {@code WitnessConversation}
 * (acquire and its resends, renew, poll, release, the witness's answers), {@code LocalEffects}
 * (activate, fence, their status, the fence guard's beats and replies) and {@code ActivationCauses}
 * (why a site activates, from what it saw: see {@link
 * io.tandem.core.agent.effects.ActivationCause}).
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
  private final PeerLink peers;
  private final AgentScheduler scheduler;
  private final List<String> sortedPeers;
  private final List<Consumer<Decision>> decisionListeners = new CopyOnWriteArrayList<>();
  private final List<java.util.function.LongConsumer> tickListeners = new CopyOnWriteArrayList<>();

  private final WitnessConversation witnessTalk;
  private final ActivationCauses causes;
  private final LocalEffects local;

  // ---- confined to the agent thread ----
  private final List<OperatorCommand> commands = new ArrayList<>();
  private long nextTickAt;

  private volatile boolean running;

  private AgentCore(Builder b) {
    this.settings = Objects.requireNonNull(b.settings, "settings");
    this.holder = Objects.requireNonNull(b.holder, "holder");
    this.history = Objects.requireNonNull(b.history, "history");
    this.board = Objects.requireNonNull(b.board, "board");
    this.health = Objects.requireNonNull(b.health, "health");
    this.activeCalls = Objects.requireNonNull(b.activeCalls, "activeCalls");
    WitnessLink witness = Objects.requireNonNull(b.witness, "witness");
    this.peers = Objects.requireNonNull(b.peers, "peers");
    SiteEffects effects = Objects.requireNonNull(b.effects, "effects");
    this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler");
    Consumer<GuardBeat> guard = Objects.requireNonNull(b.guard, "guard");
    if (!holder.site().equals(settings.site()) || !holder.cluster().equals(settings.cluster())) {
      throw new IllegalArgumentException(
          "ticket holder is for " + holder.cluster() + "/" + holder.site() + ", not this agent");
    }
    this.sortedPeers = settings.peers().stream().sorted().toList();
    this.loop = new DecisionLoop(settings, holder, history, scheduler.nanoTime());
    this.witnessTalk =
        new WitnessConversation(
            settings,
            holder,
            board,
            loop,
            health,
            witness,
            scheduler,
            this::onAgentThread,
            this::decide,
            this::beatGuard);
    this.causes = new ActivationCauses(settings, board, witnessTalk::namedOther);
    this.local =
        new LocalEffects(
            settings,
            holder,
            loop,
            effects,
            scheduler,
            guard,
            causes,
            this::onAgentThread,
            this::decide);
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
    return local.servingEpoch();
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
   * retry, with its ticket and epoch checks); if that fails the loop's usual bound steps down. The
   * reply to the beat that armed the guard for a new epoch (or to a later beat) lets that
   * activation go on ({@link GuardLink}).
   *
   * @param beat the number of the beat it answers ({@link GuardLink}), 0 if not known
   */
  public void onGuardReply(GuardReply reply, long beat) {
    Objects.requireNonNull(reply, "reply");
    onAgentThread(() -> local.guardReplied(reply, beat));
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
      PeerReport report = loop.report(now, local.servingEpoch(), safeCalls());
      for (String peer : sortedPeers) {
        peers.sendReport(peer, report);
      }
      if (loop.wantsPromises()) {
        for (String peer : sortedPeers) {
          peers.sendPromiseRequest(peer, settings.site(), now);
        }
      }
      if (loop.state() == AgentState.ACTIVE && holder.renewalDue()) {
        witnessTalk.renew();
      } else if (loop.state() == AgentState.ACQUIRING && witnessTalk.acquireResendDue(now)) {
        witnessTalk.resendAcquire();
      } else if (witnessTalk.pollDue(now)) {
        witnessTalk.ping(now);
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
    boolean reachable = witnessTalk.reachable(now);
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
            local.fence(),
            local.activation());
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

  /** Tell the fence guard until when the PBX may serve ({@link LocalEffects#beatGuard}). */
  private void beatGuard() {
    local.beatGuard();
  }

  private void dispatch(Decision d, TickSnapshot s) {
    switch (d.action()) {
      case ACQUIRE, FORCE_ACQUIRE -> {
        causes.noteAcquire(d.action() == Action.FORCE_ACQUIRE, d.reason(), s.nowNanos());
        witnessTalk.acquire(d, s);
      }
      case ACTIVATE -> local.activate(d, s);
      case FENCE -> local.fence(d);
      case RELEASE -> witnessTalk.release(s.ticket().epoch());
      case NONE -> {}
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
     * Default: nowhere (no guard). A {@link GuardLink} that {@linkplain GuardLink#answers answers}
     * holds each activation under a new epoch until the guard acknowledged the beat arming it.
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
