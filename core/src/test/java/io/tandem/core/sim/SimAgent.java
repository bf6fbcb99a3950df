package io.tandem.core.sim;

import io.tandem.core.agent.AgentCore;
import io.tandem.core.agent.AgentScheduler;
import io.tandem.core.agent.AgentSettings;
import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.DecisionHistory;
import io.tandem.core.agent.OperatorCommand;
import io.tandem.core.agent.PeerBoard;
import io.tandem.core.agent.PeerLink;
import io.tandem.core.agent.PeerPromise;
import io.tandem.core.agent.PeerReport;
import io.tandem.core.agent.effects.ActivationResult;
import io.tandem.core.agent.effects.FenceResult;
import io.tandem.core.agent.effects.SiteEffects;
import io.tandem.core.health.SiteHealth;
import io.tandem.core.witness.TicketHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * One site's agent process in the simulation: the production {@link AgentCore} with simulated ports
 * — a scheduler on the simulation's discrete-event queue and this node's drifting clock, the
 * witness and the peers over {@link SimNetwork}, and the site's effects. A crash ends the process
 * (its scheduled work and replies are dropped); a restart is a new process with empty memory.
 */
final class SimAgent {

  private static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");

  final String site;
  final NodeClock clock;
  final AgentSettings settings;
  private final Simulation sim;

  private final EffectTimings timings;
  private final java.util.SplittableRandom effectsRandom;
  private AgentCore core;
  private boolean alive;
  private int incarnation;
  boolean healthy = true;

  // ---- the site's hardware ----
  private boolean hostUp = true;
  private int hostBoot;
  private boolean pbxServing;
  private long pbxEpoch;
  boolean pbxBootsServing;
  private CompletableFuture<ActivationResult> pendingActivation;

  // ---- the fence guard: a process of its own on the host (survives the agent, not the host) ----
  private io.tandem.core.agent.guard.FenceGuardState guard;
  boolean guardInstalled = true;
  private long pausedUntilTrue = Long.MIN_VALUE;
  private long guardFences;

  /**
   * The real guard ({@code app.guard.FenceGuard}) looks at its deadline every 50 ms ({@code
   * scheduleWithFixedDelay(this::poll, 0, 50, MILLISECONDS)}), so it fences at the first poll at or
   * after the deadline, not at the deadline itself: its polls run on a grid from its start.
   */
  static final long GUARD_POLL_NANOS = 50_000_000L;

  private long guardStartLocal;

  /**
   * How long a beat takes from the agent's tick to the guard's state, and a reply back: the agent's
   * {@code FenceGuardClient} hands it to a sender thread that writes it to a Unix stream socket;
   * the guard's reader thread takes it under the guard's lock. Usually well under a millisecond; on
   * a loaded host a thread may wait for a core (the session-6 soak saw the agent's loop up to 45 ms
   * late at load 0.2–21), so one in {@value #BEAT_TAIL_ONE_IN} takes up to {@link
   * #BEAT_TAIL_MAX_NANOS}. In order: one stream, one sender.
   */
  static final long BEAT_MIN_NANOS = 100_000L;

  static final long BEAT_MAX_NANOS = 1_000_000L;
  static final long BEAT_TAIL_MAX_NANOS = 50_000_000L;
  static final int BEAT_TAIL_ONE_IN = 20;

  /** Its own stream (seed and site), so adding it leaves every other draw as it was. */
  private java.util.SplittableRandom beatRandom;

  private long lastBeatArrivalTrue = Long.MIN_VALUE;
  private long lastReplyArrivalTrue = Long.MIN_VALUE;

  /**
   * True time at which this site's guard stopped a PBX that was serving, or MIN_VALUE: cleared when
   * the PBX serves again or the agent no longer says it serves (the availability invariant).
   */
  private long guardStoppedServingAtTrue = Long.MIN_VALUE;

  private long outWithTicketSinceTrue = Long.MIN_VALUE;

  /** Whether the guard answers beats with replies (the product's guard does). */
  boolean guardReplies = true;

  /** Scripted outcomes for the next activations, before the default (success). */
  private final java.util.ArrayDeque<ActivationResult.Outcome> scriptedActivations =
      new java.util.ArrayDeque<>();

  /** Scripted outcomes for the next fences (true = times out), before the random ones. */
  private final java.util.ArrayDeque<Boolean> scriptedFenceTimeouts = new java.util.ArrayDeque<>();

  /** The renewals this site sent the witness and which were answered in time. */
  final SimDatagramLink.Log witnessLog = new SimDatagramLink.Log();

  /** Every fence request the agent made, in order, across restarts. */
  final List<io.tandem.core.agent.effects.FenceRequest> fences = new ArrayList<>();

  final List<Decision> decisions = new ArrayList<>();

  /** True times at which an activation of this site completed SUCCEEDED (service verified). */
  final List<Long> verified = new ArrayList<>();

  /** Every activation this site's agent asked for, in order, across restarts. */
  final List<io.tandem.core.agent.effects.Activation> activations = new ArrayList<>();

  SimAgent(
      Simulation sim,
      String site,
      NodeClock clock,
      AgentSettings settings,
      EffectTimings timings,
      java.util.SplittableRandom effectsRandom) {
    this.sim = sim;
    this.site = site;
    this.clock = clock;
    this.settings = settings;
    this.timings = timings;
    this.effectsRandom = effectsRandom;
  }

  /** The guard starts with the host: armed, covering an unknown PBX for one TTL. */
  private void startGuard() {
    if (guardInstalled) {
      guardStartLocal = now();
      guard = new io.tandem.core.agent.guard.FenceGuardState(now(), settings.ticketTtl().toNanos());
      scheduleGuardCheck(hostBoot, guard.untilNanos());
    }
  }

  /**
   * The agent's line to its guard as the product has it ({@code app.guard.FenceGuardClient} and
   * {@code app.guard.FenceGuard}): one stream per agent process, beats numbered in the order the
   * agent hands them over, each answered in order with the number it answers. It answers ({@link
   * io.tandem.core.agent.guard.GuardLink#answers}) while a guard runs on the host and answers
   * replies (the client's {@code HELLO <nanoTime> REPLIES} was accepted).
   */
  private final class GuardLine implements io.tandem.core.agent.guard.GuardLink {
    private long handed;

    @Override
    public void accept(io.tandem.core.agent.guard.GuardBeat beat) {
      onGuardBeat(beat, ++handed);
    }

    @Override
    public boolean answers() {
      return guard != null && hostUp && guardReplies;
    }
  }

  /**
   * A beat from the agent (on its thread): it reaches the guard after the socket's latency, in
   * order, unless the agent process died first or the host went down; a paused agent's sender
   * thread ({@code FenceGuardClient}'s, in the agent's JVM) is paused too, the guard process
   * ({@code FenceGuard}) is not. The guard answers it ({@link
   * io.tandem.core.agent.guard.GuardReply}, with the beat's number), and the reply reaches the
   * agent the same way, in order.
   */
  private void onGuardBeat(io.tandem.core.agent.guard.GuardBeat beat, long number) {
    if (guard == null || !hostUp) {
      return;
    }
    int inc = incarnation;
    int boot = hostBoot;
    lastBeatArrivalTrue =
        Math.max(
            Math.max(lastBeatArrivalTrue, sim.scheduler().now() + beatLatency()),
            beatsHeldUntilTrue);
    sim.scheduler().at(lastBeatArrivalTrue, () -> beatArrives(beat, number, inc, boot));
  }

  private void beatArrives(
      io.tandem.core.agent.guard.GuardBeat beat, long number, int inc, int boot) {
    if (!processAlive(inc) || boot != hostBoot || guard == null || !hostUp) {
      return;
    }
    if (paused()) {
      sim.scheduler().at(pausedUntilTrue, () -> beatArrives(beat, number, inc, boot));
      return;
    }
    guard.onBeat(beat, now());
    scheduleGuardCheck(hostBoot, guard.untilNanos());
    if (guardReplies) {
      io.tandem.core.agent.guard.GuardReply reply = guard.reply();
      lastReplyArrivalTrue = Math.max(lastReplyArrivalTrue, sim.scheduler().now() + beatLatency());
      sim.scheduler()
          .at(
              lastReplyArrivalTrue,
              () -> {
                if (processAlive(inc)) {
                  core.onGuardReply(reply, number);
                }
              });
    }
  }

  private long beatLatency() {
    if (beatRandom == null) {
      beatRandom =
          new java.util.SplittableRandom(sim.seed() * 0x9E3779B97F4A7C15L + site.hashCode());
    }
    return beatRandom.nextInt(BEAT_TAIL_ONE_IN) == 0
        ? beatRandom.nextLong(BEAT_MAX_NANOS, BEAT_TAIL_MAX_NANOS + 1)
        : beatRandom.nextLong(BEAT_MIN_NANOS, BEAT_MAX_NANOS + 1);
  }

  /**
   * The availability invariant (17.1, zero false failovers, needs it): null, or why this site's
   * agent is ACTIVE with a valid ticket while the PBX its fence guard stopped has refused new calls
   * for longer than {@code boundNanos} (the agent reports itself serving, so nobody fails over: a
   * silent outage). The clock runs only while the ticket is valid and no activation runs: under the
   * witness-outage failsafe's cover alone (peer promises) the agent cannot activate (an activation
   * needs a valid ticket), and the site is not one that "can reach the witness"; a guard fence that
   * lands during an activation (a "fence now" beat's fence slower than the next activation's
   * "accept calls") is judged when that run ends, so the bound counts from then.
   */
  String availabilityViolation(long boundNanos) {
    if (guardStoppedServingAtTrue == Long.MIN_VALUE) {
      return null;
    }
    if (pbxServing() || !alive || core.state() != AgentState.ACTIVE) {
      guardStoppedServingAtTrue = Long.MIN_VALUE; // served again, or the agent stepped down
      outWithTicketSinceTrue = Long.MIN_VALUE;
      return null;
    }
    if (!core.holder().validNow() || pendingActivation != null) {
      // under the failsafe alone, or while an activation runs (the agent judges a guard fence
      // that landed during a run when the run ends): the clock starts again after
      outWithTicketSinceTrue = Long.MIN_VALUE;
      return null;
    }
    long trueNow = sim.scheduler().now();
    if (outWithTicketSinceTrue == Long.MIN_VALUE) {
      outWithTicketSinceTrue = trueNow;
    }
    long out = trueNow - outWithTicketSinceTrue;
    return out > boundNanos
        ? String.format(
            java.util.Locale.ROOT,
            "%s holds a valid ticket (epoch %d) and is ACTIVE, but its fence guard stopped its PBX"
                + " at true time %.3f s and it has refused new calls for %.3f s under the valid"
                + " ticket (bound %.3f s)",
            site,
            core.holder().view().epoch(),
            guardStoppedServingAtTrue / 1e9,
            out / 1e9,
            boundNanos / 1e9)
        : null;
  }

  private void scheduleGuardCheck(int boot, long atLocal) {
    long since = Math.max(0, atLocal - guardStartLocal);
    long poll = guardStartLocal + Math.ceilDiv(since, GUARD_POLL_NANOS) * GUARD_POLL_NANOS;
    sim.scheduler().at(clock.trueAt(poll), () -> guardCheck(boot));
  }

  private void guardCheck(int boot) {
    if (guard == null || boot != hostBoot || !hostUp || !guard.due(now())) {
      return;
    }
    String why = guard.fenceStarted(now());
    guardFences++;
    sim.note(site + " fence guard: " + why);
    long took = timings.pbxCommand(effectsRandom);
    sim.scheduler()
        .after(
            took,
            () -> {
              if (boot == hostBoot && guard != null) {
                if (pbxServing) {
                  guardStoppedServingAtTrue = sim.scheduler().now();
                }
                setPbx(false, 0);
                guard.fenceEnded(true, now());
              }
            });
  }

  private long beatsHeldUntilTrue = Long.MIN_VALUE;

  /**
   * Hold the agent's beats back for {@code nanos} (a starved sender thread, as {@code
   * GuardFenceUnderValidTicketTest} makes one with a relay): the agent goes on renewing its ticket
   * while its beats reach the guard only when the hold ends, in order.
   */
  void holdGuardBeats(long nanos) {
    beatsHeldUntilTrue = sim.scheduler().now() + nanos;
    sim.note(site + " guard beats held back for " + nanos / 1_000_000 + " ms");
  }

  /** How many fences this site's guard started. */
  long guardFences() {
    return guardFences;
  }

  /**
   * Freeze the agent process for {@code nanos} (SIGSTOP, a GC or VM pause): nothing of it runs
   * meanwhile; its PBX and fence guard go on. Work that fell due meanwhile runs when it resumes.
   */
  void pause(long nanos) {
    pausedUntilTrue = Math.max(pausedUntilTrue, sim.scheduler().now() + nanos);
    sim.note(site + " agent paused for " + nanos / 1_000_000 + " ms");
  }

  boolean paused() {
    return sim.scheduler().now() < pausedUntilTrue;
  }

  long now() {
    return clock.local(sim.scheduler().now());
  }

  /**
   * This node's wall clock as NTP keeps it: true time at this clock's rate, plus a small skew
   * (under 100 ms) fixed per site and seed — no offset. (The node's monotonic clock has an
   * arbitrary origin; a wall clock has none.)
   */
  long ntpWall() {
    long t = sim.scheduler().now();
    long skew = Math.floorMod(sim.seed() * 31 + site.hashCode(), 100_000_000L);
    return t + t * clock.ppm() / 1_000_000L + skew;
  }

  /** This node's wall clock at true time {@code trueNanos}. */
  Instant wallAt(long trueNanos) {
    return BASE.plusNanos(clock.local(trueNanos));
  }

  boolean alive() {
    return alive;
  }

  AgentState state() {
    return core == null ? AgentState.STARTING : core.state();
  }

  AgentCore core() {
    return core;
  }

  /** The decision loop's view: alive, ACTIVE and covered by a ticket or the failsafe. */
  boolean decisionServing() {
    return alive && core.serving();
  }

  /** What the safety checker judges: the PBX really takes calls. */
  boolean pbxServing() {
    return hostUp && pbxServing;
  }

  boolean hostUp() {
    return hostUp;
  }

  /**
   * Start the agent process: boots the host first if it is down; restarts the process if it runs
   * (the PBX keeps its state); the new process has empty memory.
   */
  void start(long firstTickDelayNanos) {
    if (!hostUp) {
      hostUp = true;
      hostBoot++;
      setPbx(pbxBootsServing, 0);
      startGuard();
    } else if (guard == null) {
      startGuard();
    }
    if (core != null) {
      core.stop();
    }
    pendingActivation = null;
    pausedUntilTrue = Long.MIN_VALUE; // a restarted process is a new one
    alive = true;
    int inc = ++incarnation;
    AgentScheduler scheduler = new IncarnationScheduler(inc);
    TicketHolder holder =
        new TicketHolder(
            settings.cluster(),
            site,
            settings.ticketTtl(),
            settings.renewInterval(),
            settings.driftMargin(),
            settings.fenceLead(),
            this::now);
    core =
        AgentCore.builder()
            .settings(settings)
            .holder(holder)
            .history(new DecisionHistory(settings.historySize()))
            .board(new PeerBoard())
            .health(() -> SiteHealth.of(site, healthy, BASE.plusNanos(now())))
            .witness(
                new SimDatagramLink(sim, this, settings.retryTimeout(), this::counted, witnessLog))
            .peers(new Peers())
            .effects(new Effects(inc, new io.tandem.core.agent.HolderGuard(holder)))
            .scheduler(scheduler)
            .guard(new GuardLine())
            .onDecision(
                d -> {
                  decisions.add(d);
                  sim.onDecision(this, d, holder.view());
                })
            .build();
    core.start(firstTickDelayNanos);
  }

  /** The whole site goes down: host, PBX, fence guard and agent. */
  void crash() {
    crashAgent();
    hostUp = false;
    pbxServing = false;
    guard = null;
  }

  /**
   * Script the next fences: {@code true} times out (reported UNKNOWN at the budget, lands late),
   * {@code false} lands in time.
   */
  void nextFencesTimeOut(boolean... timeouts) {
    for (boolean t : timeouts) {
      scriptedFenceTimeouts.add(t);
    }
  }

  /**
   * Script the next activations' outcomes: FAILED leaves the PBX as it was; NEEDS_OPERATOR leaves
   * it serving (half-applied); CANCELLED leaves it as it was.
   */
  void nextActivations(ActivationResult.Outcome... outcomes) {
    scriptedActivations.addAll(java.util.List.of(outcomes));
  }

  /**
   * The PBX process crashes (the host, the agent and the fence guard stay up): it stops taking
   * calls at once. The site's sensors see it later ({@link #healthy} is the sensors' verdict).
   */
  void crashPbx() {
    setPbx(false, 0);
    sim.note(site + " PBX crashed");
  }

  /** Only the agent process dies (kill -9, OOM); the PBX and the fence guard keep running. */
  void crashAgent() {
    pausedUntilTrue = Long.MIN_VALUE;
    alive = false;
    pendingActivation = null;
    if (core != null) {
      core.stop();
    }
  }

  private void setPbx(boolean serving, long epoch) {
    boolean was = pbxServing;
    pbxServing = serving && hostUp;
    pbxEpoch = serving ? epoch : 0;
    if (was != pbxServing) {
      sim.note(site + " PBX " + (pbxServing ? "serving under epoch " + epoch : "stopped"));
      if (pbxServing && guard != null && !guard.armed()) {
        pbxStartsUnguarded.add(
            String.format(
                java.util.Locale.ROOT,
                "%s PBX took calls under epoch %d at true time %.3f s while its guard was disarmed",
                site,
                epoch,
                sim.scheduler().now() / 1e9));
      }
    }
  }

  /** Every time this site's PBX began taking calls while its fence guard was disarmed. */
  final List<String> pbxStartsUnguarded = new ArrayList<>();

  private long pbxCommands;
  private int lastLandedIncarnation;
  private long lastLandedCommand;

  /**
   * One agent process talks to its PBX over one management session (AMI, ESL), which runs commands
   * in the order they were sent: a slow "stop new calls" that lands late still lands before a later
   * "accept calls" of the same process, so it cannot undo it. Returns whether the command {@code
   * seq} of incarnation {@code inc} takes effect now (false: a later one of the same process
   * already did, which in order would have come after it). Another process's session (a restarted
   * agent) is not ordered with it.
   */
  private boolean landsInOrder(int inc, long seq) {
    if (inc == lastLandedIncarnation && seq < lastLandedCommand) {
      return false;
    }
    lastLandedIncarnation = inc;
    lastLandedCommand = seq;
    return true;
  }

  /** Whether the agent process of incarnation {@code inc} still runs. */
  private boolean processAlive(int inc) {
    return alive && inc == incarnation;
  }

  void command(OperatorCommand c) {
    if (alive) {
      core.command(c);
    }
  }

  /** Deliver a peer message to this agent's process, if it runs. */
  private void deliver(Consumer<AgentCore> message) {
    if (alive) {
      message.accept(core);
    }
  }

  /**
   * The agent's thread: this node's clock on the simulation's queue; a dead process runs nothing.
   */
  private final class IncarnationScheduler implements AgentScheduler {
    private final int inc;

    IncarnationScheduler(int inc) {
      this.inc = inc;
    }

    @Override
    public long nanoTime() {
      return now();
    }

    @Override
    public Instant wallTime() {
      return BASE.plusNanos(now());
    }

    @Override
    public void at(long atNanos, Runnable task) {
      sim.scheduler().at(clock.trueAt(atNanos) + sim.dispatchLatency(), () -> run(task));
    }

    private void run(Runnable task) {
      if (!alive || inc != incarnation) {
        return;
      }
      if (paused()) {
        sim.scheduler().at(pausedUntilTrue, () -> run(task)); // a frozen process runs nothing
        return;
      }
      task.run();
    }
  }

  private long holderRequests;
  private long otherRequests;

  /** Requests this site sent the witness while ACTIVE (renewals, asks, releases). */
  long holderRequests() {
    return holderRequests;
  }

  /** Requests this site sent the witness in any other state (asks, acquires, releases). */
  long otherRequests() {
    return otherRequests;
  }

  private void counted() {
    if (core != null && core.state() == AgentState.ACTIVE) {
      holderRequests++;
    } else {
      otherRequests++;
    }
  }

  /** The peer link over the simulated network. */
  private final class Peers implements PeerLink {
    @Override
    public void sendReport(String toSite, PeerReport report) {
      sim.network().send(site, toSite, () -> sim.agent(toSite).deliver(c -> c.onReport(report)));
    }

    @Override
    public void sendPromiseRequest(String toSite, String fromSite, long sentAtNanos) {
      sim.network()
          .send(
              site,
              toSite,
              () -> sim.agent(toSite).deliver(c -> c.onPromiseRequest(fromSite, sentAtNanos)));
    }

    @Override
    public void sendPromise(String toSite, PeerPromise promise) {
      sim.network().send(site, toSite, () -> sim.agent(toSite).deliver(c -> c.onPromise(promise)));
    }
  }

  /**
   * The site's effects on its PBX. An activation lands when it completes, only if the agent process
   * that started it still runs and no fence cancelled it; a fence lands when it completes (the
   * command reached the PBX, so even if the agent died meanwhile), unless the host rebooted.
   */
  private final class Effects implements SiteEffects {
    private final int inc;
    private final io.tandem.core.runbook.TicketGuard guard;

    Effects(int inc, io.tandem.core.runbook.TicketGuard guard) {
      this.inc = inc;
      this.guard = guard;
    }

    /**
     * The failover runbook as the production engine runs it ({@code RunbookEngine}, {@code
     * StepRun}): a switch stage (addresses, DNS, trunks and "PBX accept calls", in parallel: {@code
     * StandardRunbooks}) for the first third of the drawn duration (REALISTIC: up to 1 s; the
     * slowest provider call measured against moto in 17.2 took 241 ms), then a verify stage
     * (probes, DNS answers). "Accept calls" ({@code SwitchSteps.AcceptCalls}) is one command on the
     * PBX session, sent as the stage starts; the PBX takes calls once it lands ({@link
     * EffectTimings#pbxCommand}), whatever the JVM does meanwhile: a command on its way cannot be
     * called back, by an interrupt or the agent's death. Both stages run on the agent's JVM, so a
     * paused agent pauses them (a step resumes, and a cut-off timer fires, only when it runs
     * again); each starts only while the agent's {@link io.tandem.core.agent.HolderGuard} holds the
     * run's epoch, and the switch's apply is cut off (thread interrupted, the run fenced) when the
     * ticket's time left, asked just before it, runs out.
     */
    @Override
    public CompletionStage<ActivationResult> activate(
        io.tandem.core.agent.effects.Activation activation) {
      activations.add(activation);
      CompletableFuture<ActivationResult> done = new CompletableFuture<>();
      pendingActivation = done;
      long total = timings.activation(effectsRandom);
      long accept = timings.pbxCommand(effectsRandom);
      new Run(activation.token(), done, total / 3, total - total / 3, accept).switchStage();
      return done;
    }

    /** One activation's run; every method but {@link #land} runs on the agent's JVM. */
    private final class Run {
      private final io.tandem.core.witness.FencingToken token;
      private final CompletableFuture<ActivationResult> done;
      private final long switchNanos;
      private final long verifyNanos;
      private final long acceptNanos;
      private boolean interrupted;
      private boolean landed;
      private long cutOffLocal;

      Run(
          io.tandem.core.witness.FencingToken token,
          CompletableFuture<ActivationResult> done,
          long switchNanos,
          long verifyNanos,
          long acceptNanos) {
        this.token = token;
        this.done = done;
        this.switchNanos = switchNanos;
        this.verifyNanos = verifyNanos;
        this.acceptNanos = acceptNanos;
      }

      private boolean live() {
        return processAlive(inc) && pendingActivation == done;
      }

      /** Runs {@code task} on the agent's JVM: not while it is paused, never after it died. */
      private void onJvm(Runnable task) {
        if (!processAlive(inc)) {
          return;
        }
        if (paused()) {
          sim.scheduler().at(pausedUntilTrue, () -> onJvm(task));
          return;
        }
        task.run();
      }

      private void stop(ActivationResult.Outcome outcome, String words) {
        if (pendingActivation == done) {
          pendingActivation = null;
        }
        done.complete(new ActivationResult(token.epoch(), outcome, words, Optional.empty()));
      }

      /** RunContext.checkTicket and StepRun.withinTicket before the switch's apply. */
      void switchStage() {
        if (!live()) {
          return;
        }
        if (!guard.holds(token)) {
          stop(ActivationResult.Outcome.CANCELLED, lost("switch"));
          return;
        }
        Duration left = guard.timeLeft(token).orElseThrow();
        if (left.isZero() || left.isNegative()) {
          stop(
              ActivationResult.Outcome.CANCELLED,
              "ticket epoch " + token.epoch() + " has no time left; step switch not applied");
          return;
        }
        cutOffLocal = now() + left.toNanos();
        sim.scheduler().at(clock.trueAt(cutOffLocal), () -> onJvm(this::cutOff));
        int boot = hostBoot;
        long seq = ++pbxCommands;
        ActivationResult.Outcome scripted = scriptedActivations.peek();
        boolean accepts =
            scripted == null
                || scripted == ActivationResult.Outcome.SUCCEEDED
                || scripted == ActivationResult.Outcome.NEEDS_OPERATOR;
        sim.scheduler().after(acceptNanos, () -> accept(boot, seq, accepts));
        sim.scheduler().after(Math.max(switchNanos, acceptNanos), () -> land(boot));
      }

      /**
       * "Accept calls" reaches the PBX: it lands unless the host rebooted or a later command of the
       * same session (a fence) landed first.
       */
      private void accept(int boot, long seq, boolean accepts) {
        if (boot == hostBoot && landsInOrder(inc, seq) && accepts) {
          setPbx(true, token.epoch());
        }
      }

      /** The switch's other calls returned (whatever the JVM did meanwhile). */
      private void land(int boot) {
        if (interrupted || !live() || boot != hostBoot) {
          return; // cut off or cancelled: the thread was interrupted, the calls abandoned
        }
        landed = true;
        onJvm(this::switched);
      }

      /**
       * The cut-off timer: interrupts the apply if it has not returned yet and the ticket's
       * self-fence point has passed; while renewals move that point, it asks again then (as
       * StepRun.withinTicket does).
       */
      private void cutOff() {
        if (!landed && live()) {
          Duration left = guard.timeLeft(token).orElse(Duration.ZERO);
          if (left.isPositive()) {
            cutOffLocal = now() + left.toNanos();
            sim.scheduler().at(clock.trueAt(cutOffLocal), () -> onJvm(this::cutOff));
            return;
          }
          interrupted = true;
          stop(
              ActivationResult.Outcome.CANCELLED,
              "the ticket's time left ran out during the apply of switch; cut off");
        }
      }

      /** The apply returned: fenced if after the cut-off point, else on to the verify stage. */
      private void switched() {
        if (!live()) {
          return;
        }
        if (interrupted || !guard.timeLeft(token).orElse(Duration.ZERO).isPositive()) {
          stop(
              ActivationResult.Outcome.CANCELLED,
              "the ticket's time left ran out during the apply of switch; it returned after"
                  + " that, so nothing more changes");
          return;
        }
        if (!guard.holds(token)) {
          stop(ActivationResult.Outcome.CANCELLED, lost("verify"));
          return;
        }
        sim.scheduler().after(verifyNanos, () -> onJvm(this::verified));
      }

      private void verified() {
        if (!live()) {
          return;
        }
        ActivationResult.Outcome outcome =
            scriptedActivations.isEmpty()
                ? ActivationResult.Outcome.SUCCEEDED
                : scriptedActivations.poll();
        if (outcome == ActivationResult.Outcome.SUCCEEDED && !pbxServing()) {
          // the verify stage checks from outside (VerifySteps, ProbeCheck: SIP OPTIONS to the
          // public address), so a PBX stopped after the switch landed fails the run
          stop(
              ActivationResult.Outcome.FAILED,
              "run failover-" + token.epoch() + " FAILED: verify: the PBX does not take calls");
          return;
        }
        if (outcome == ActivationResult.Outcome.SUCCEEDED) {
          verified.add(sim.scheduler().now());
        }
        stop(
            outcome,
            outcome == ActivationResult.Outcome.SUCCEEDED
                ? "activated under epoch " + token.epoch()
                : "run failover-" + token.epoch() + " " + outcome + ": scripted");
      }

      private String lost(String step) {
        return "ticket lost: site "
            + site
            + " no longer holds epoch "
            + token.epoch()
            + " (checked before applying step "
            + step
            + ")";
      }
    }

    @Override
    public CompletionStage<FenceResult> fence(io.tandem.core.agent.effects.FenceRequest request) {
      fences.add(request);
      if (pendingActivation != null) {
        CompletableFuture<ActivationResult> cancelled = pendingActivation;
        pendingActivation = null;
        cancelled.complete(
            new ActivationResult(
                0, ActivationResult.Outcome.CANCELLED, "cancelled by a fence", Optional.empty()));
      }
      // draw every number every time, so one outcome does not shift the others' stream
      boolean timesOut = effectsRandom.nextDouble() < timings.fenceTimeoutRate();
      if (!scriptedFenceTimeouts.isEmpty()) {
        timesOut = scriptedFenceTimeouts.poll();
      }
      long took = timings.fence(effectsRandom);
      long late = effectsRandom.nextLong(timings.lateStopMaxNanos() + 1);
      boolean wedged = effectsRandom.nextDouble() < timings.wedgedRate();
      long budget = request.budget().toNanos();
      int boot = hostBoot;
      CompletableFuture<FenceResult> done = new CompletableFuture<>();
      long seq = ++pbxCommands;
      Runnable land =
          () -> {
            if (hostBoot == boot && landsInOrder(inc, seq)) {
              setPbx(false, 0);
            }
          };
      if (!timesOut) {
        sim.scheduler()
            .after(
                took,
                () -> {
                  land.run();
                  if (processAlive(inc)) {
                    done.complete(new FenceResult(FenceResult.Outcome.DONE, "PBX stopped"));
                  }
                });
      } else {
        sim.scheduler()
            .after(
                budget,
                () -> {
                  if (processAlive(inc)) {
                    done.complete(
                        new FenceResult(
                            FenceResult.Outcome.UNKNOWN,
                            "PBX stop new calls did not answer within "
                                + budget / 1_000_000
                                + " ms"));
                  }
                });
        if (!wedged) {
          sim.scheduler().after(budget + late, land);
        }
      }
      return done;
    }
  }
}
