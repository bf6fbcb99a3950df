package io.tandem.app.agent;

import io.tandem.core.agent.AgentCore;
import io.tandem.core.agent.AgentScheduler;
import io.tandem.core.agent.AgentSettings;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.DecisionHistory;
import io.tandem.core.agent.DecisionLoop;
import io.tandem.core.agent.OperatorCommand;
import io.tandem.core.agent.PeerBoard;
import io.tandem.core.agent.PeerPromise;
import io.tandem.core.agent.PeerReport;
import io.tandem.core.agent.WitnessLink;
import io.tandem.core.agent.effects.SiteEffects;
import io.tandem.core.agent.guard.GuardBeat;
import io.tandem.core.event.EventBus;
import io.tandem.core.event.TandemEvent;
import io.tandem.core.health.SensorState;
import io.tandem.core.health.SiteHealth;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.TicketListener;
import io.tandem.core.witness.Witness;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one site's {@link AgentCore} in real time: the core's agent thread is one scheduler thread
 * ({@code tandem-agent-<site>}), its clocks are the machine's, witness calls run on virtual threads
 * (each with the witness client's own timeout) and hand their answers back to the agent thread. All
 * the per-tick logic lives in the core, which the simulation and the lab run too; this class only
 * schedules it.
 */
public final class AgentDriver implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AgentDriver.class);

  private final AgentSettings settings;
  private final LongSupplier nanos;
  private final Clock clock;
  private final ScheduledExecutorService agentThread;
  private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
  private final AgentCore core;

  /**
   * @param holder the ticket holder the runbook engine's ticket guard also asks
   * @param history where decisions are kept for the API
   * @param board peer reports and promises, read by the API too
   * @param health own health (must not block: the monitor's latest snapshot)
   * @param activeCalls calls up on the local PBX, -1 if unknown (must not block)
   * @param effects what activating and fencing this site does
   */
  public AgentDriver(
      AgentSettings settings,
      TicketHolder holder,
      DecisionHistory history,
      PeerBoard board,
      Witness witness,
      PeerTransport peers,
      Supplier<SiteHealth> health,
      IntSupplier activeCalls,
      SiteEffects effects,
      LongSupplier nanos,
      Clock clock) {
    this(
        settings,
        holder,
        history,
        board,
        witness,
        peers,
        health,
        activeCalls,
        effects,
        beat -> {},
        nanos,
        clock);
  }

  /**
   * @param guard where the fence guard's beats go (every tick, on the agent thread; must not block)
   */
  public AgentDriver(
      AgentSettings settings,
      TicketHolder holder,
      DecisionHistory history,
      PeerBoard board,
      Witness witness,
      PeerTransport peers,
      Supplier<SiteHealth> health,
      IntSupplier activeCalls,
      SiteEffects effects,
      Consumer<GuardBeat> guard,
      LongSupplier nanos,
      Clock clock) {
    this.settings = settings;
    this.nanos = nanos;
    this.clock = clock;
    this.agentThread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tandem-agent-" + settings.site());
              t.setDaemon(true);
              return t;
            });
    this.core =
        AgentCore.builder()
            .settings(settings)
            .holder(holder)
            .history(history)
            .board(board)
            .health(health)
            .activeCalls(activeCalls)
            .witness(WitnessLink.blocking(witness, io))
            .peers(peers)
            .effects(effects)
            .guard(guard)
            .scheduler(new ThreadScheduler(clock))
            .build();
  }

  /** A ticket holder for {@code settings} on the {@code nanos} clock. */
  public static TicketHolder holderFor(AgentSettings settings, LongSupplier nanos) {
    return new TicketHolder(
        settings.cluster(),
        settings.site(),
        settings.ticketTtl(),
        settings.renewInterval(),
        settings.driftMargin(),
        settings.fenceLead(),
        nanos);
  }

  /**
   * Calls up on the PBX from the latest health snapshot: the reading of a sensor that counts calls
   * (unit {@code calls}), or -1 if none reports one.
   */
  public static int activeCalls(SiteHealth health) {
    for (SensorState s : health.sensors()) {
      if ("calls".equals(s.last().unit()) && !Double.isNaN(s.last().value())) {
        return (int) Math.max(0, Math.round(s.last().value()));
      }
    }
    return -1;
  }

  public String site() {
    return settings.site();
  }

  public AgentSettings settings() {
    return settings;
  }

  public AgentCore core() {
    return core;
  }

  public DecisionLoop loop() {
    return core.loop();
  }

  public TicketHolder holder() {
    return core.holder();
  }

  /** Also tell {@code listener} every decision (on the agent thread; must not block). */
  public void addDecisionListener(Consumer<Decision> listener) {
    core.addDecisionListener(listener);
  }

  /**
   * Publish this agent's decisions, ticket changes and tick lateness on {@code bus} (call before
   * {@link #start}). The bus delivers on its own thread, so the agent thread never waits on a
   * subscriber.
   */
  public void publishTo(EventBus bus) {
    String site = settings.site();
    core.addDecisionListener(d -> bus.publish(new TandemEvent.DecisionMade(site, d)));
    core.addTickListener(
        late -> bus.publish(new TandemEvent.TickCompleted(site, late, clock.instant())));
    core.holder()
        .addListener(
            new TicketListener() {
              @Override
              public void acquired(Ticket ticket) {
                bus.publish(new TandemEvent.TicketAcquired(site, ticket.epoch(), clock.instant()));
              }

              @Override
              public void lost(long epoch, String reason) {
                bus.publish(new TandemEvent.TicketLost(site, epoch, reason, clock.instant()));
              }
            });
  }

  /** Whether this site serves right now (ACTIVE and covered by its ticket or the failsafe). */
  public boolean serving() {
    return core.serving();
  }

  public boolean running() {
    return core.running();
  }

  public void start() {
    core.start(0);
  }

  /** Queue an operator command for the next tick. */
  public void command(OperatorCommand c) {
    core.command(c);
  }

  /** The latest report from each peer (receipt stamped on our monotonic clock). */
  public Map<String, PeerReport> peerReports() {
    return core.board().reports();
  }

  /** The latest promise (or refusal) from each peer. */
  public Map<String, PeerPromise> peerPromises() {
    return core.board().promises();
  }

  /** Our monotonic clock, the one peer receipt times are stamped with. */
  public long nowNanos() {
    return nanos.getAsLong();
  }

  // ---- inbound peer messages (any thread) ----

  public void onReport(PeerReport report) {
    core.onReport(report);
  }

  public void onPromiseRequest(String from, long sentAtNanos) {
    core.onPromiseRequest(from, sentAtNanos);
  }

  public void onPromise(PeerPromise p) {
    core.onPromise(p);
  }

  // ---- lateness of the agent thread's planned tasks (ticks first among them) ----

  /**
   * How late the agent thread's latest planned tasks (each tick, the deadline polls) started.
   *
   * @param ticks tasks run so far
   * @param samplesNanos the lateness of the latest (at most {@value #LATENESS_KEPT}), oldest first
   */
  public record TickLateness(long ticks, long[] samplesNanos) {}

  private static final int LATENESS_KEPT = 4096;
  private final long[] lateness = new long[LATENESS_KEPT];
  private long planned;

  private synchronized void recordLateness(long late) {
    lateness[(int) (planned % LATENESS_KEPT)] = Math.max(0, late);
    planned++;
  }

  /** A copy of the latest lateness samples (for the API and benchmarks). */
  public synchronized TickLateness tickLateness() {
    int n = (int) Math.min(planned, LATENESS_KEPT);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = lateness[(int) ((planned - n + i) % LATENESS_KEPT)];
    }
    return new TickLateness(planned, out);
  }

  /** Stop ticking and drop every in-flight answer (as a crash would, but cleanly). */
  @Override
  public void close() {
    core.stop();
    agentThread.shutdownNow();
    io.shutdownNow();
  }

  /** The core's agent thread: one scheduler thread on the machine's monotonic clock. */
  private final class ThreadScheduler implements AgentScheduler {
    private final Clock clock;

    ThreadScheduler(Clock clock) {
      this.clock = clock;
    }

    @Override
    public long nanoTime() {
      return nanos.getAsLong();
    }

    @Override
    public Instant wallTime() {
      return clock.instant();
    }

    @Override
    public void at(long atNanos, Runnable task) {
      Runnable safe =
          () -> {
            recordLateness(nanos.getAsLong() - atNanos);
            try {
              task.run();
            } catch (RuntimeException e) {
              log.error("agent {}: task failed", settings.site(), e);
            }
          };
      try {
        long delay = atNanos - nanos.getAsLong();
        if (delay <= 0) {
          agentThread.execute(safe);
        } else {
          agentThread.schedule(safe, delay, TimeUnit.NANOSECONDS);
        }
      } catch (RejectedExecutionException stopped) {
        // the agent was stopped; nothing to do
      }
    }
  }
}
