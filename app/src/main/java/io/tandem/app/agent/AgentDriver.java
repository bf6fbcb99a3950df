package io.tandem.app.agent;

import io.tandem.core.agent.Action;
import io.tandem.core.agent.AgentSettings;
import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.DecisionLoop;
import io.tandem.core.agent.OperatorCommand;
import io.tandem.core.agent.PeerBoard;
import io.tandem.core.agent.PeerPromise;
import io.tandem.core.agent.PeerReport;
import io.tandem.core.agent.TickSnapshot;
import io.tandem.core.error.TandemException;
import io.tandem.core.health.SiteHealth;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.TicketListener;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.TicketView;
import io.tandem.core.witness.Witness;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one site's {@link DecisionLoop} in real time: a tick every {@code settings.tick()}, witness
 * calls (acquire, renew, observe as a reachability ping) on an I/O executor with their own
 * timeouts, peer reports and promises over a {@link PeerTransport}, and the decided action carried
 * out through {@link SiteActions}.
 *
 * <p>Threading: the decision loop, the ticket holder's bookkeeping and every action are driven from
 * one scheduler thread ({@code tandem-agent-<site>}); witness replies and peer messages are handed
 * to that thread, so they never race a tick. Listeners get each {@link Decision} on that thread and
 * must not block. This mirrors the simulation's driver in core's tests, which proves the protocol.
 */
public final class AgentDriver implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AgentDriver.class);

  private final AgentSettings settings;
  private final Witness witness;
  private final PeerTransport peers;
  private final Supplier<SiteHealth> health;
  private final SiteActions actions;
  private final LongSupplier nanos;
  private final Clock clock;
  private final Consumer<Decision> onDecision;
  private final ScheduledExecutorService agentThread;
  private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();

  private final TicketHolder holder;
  private final DecisionLoop loop;
  private final PeerBoard board = new PeerBoard();
  private final List<OperatorCommand> commands = new ArrayList<>();
  private long lastWitnessReply;
  private boolean anyWitnessReply;
  private boolean fenceComplete = true;
  private boolean pingInFlight;
  private volatile boolean running;

  public AgentDriver(
      AgentSettings settings,
      Witness witness,
      PeerTransport peers,
      Supplier<SiteHealth> health,
      SiteActions actions,
      LongSupplier nanos,
      Clock clock,
      Consumer<Decision> onDecision) {
    this.settings = settings;
    this.witness = witness;
    this.peers = peers;
    this.health = health;
    this.actions = actions;
    this.nanos = nanos;
    this.clock = clock;
    this.onDecision = onDecision;
    this.agentThread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tandem-agent-" + settings.site());
              t.setDaemon(true);
              return t;
            });
    this.holder =
        new TicketHolder(
            settings.cluster(),
            settings.site(),
            settings.renewInterval(),
            settings.driftMargin(),
            settings.fenceLead(),
            nanos);
    this.holder.addListener(
        new TicketListener() {
          @Override
          public void selfFence(long epoch, String reason) {
            // step down first: decide at once, not at the next tick
            onAgentThread(AgentDriver.this::decide);
          }

          @Override
          public void lost(long epoch, String reason) {
            onAgentThread(AgentDriver.this::decide);
          }

          @Override
          public void acquired(Ticket ticket) {
            schedulePolls();
          }
        });
    this.loop = new DecisionLoop(settings, holder, nanos.getAsLong());
  }

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

  /** Whether this site serves right now (ACTIVE and covered by its ticket or the failsafe). */
  public boolean serving() {
    return running && loop.serving(nanos.getAsLong());
  }

  public boolean running() {
    return running;
  }

  public void start() {
    running = true;
    agentThread.scheduleAtFixedRate(
        this::safeTick, 0, settings.tick().toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Queue an operator command for the next tick. */
  public void command(OperatorCommand c) {
    onAgentThread(() -> commands.add(c));
  }

  /** The latest report from each peer (receipt stamped on our monotonic clock). */
  public java.util.Map<String, PeerReport> peerReports() {
    return board.reports();
  }

  /** The latest promise (or refusal) from each peer. */
  public java.util.Map<String, PeerPromise> peerPromises() {
    return board.promises();
  }

  /** Our monotonic clock, the one peer receipt times are stamped with. */
  public long nowNanos() {
    return nanos.getAsLong();
  }

  // ---- inbound peer messages (any thread) ----

  public void onReport(PeerReport report) {
    if (running) {
      board.onReport(report, nanos.getAsLong());
    }
  }

  public void onPromiseRequest(String from, long sentAtNanos) {
    if (running) {
      onAgentThread(
          () -> peers.sendPromise(from, loop.answerPromise(from, sentAtNanos, nanos.getAsLong())));
    }
  }

  public void onPromise(PeerPromise p) {
    if (running) {
      board.onPromise(p);
    }
  }

  // ---- tick lateness (how late each tick starts against its fixed-rate plan) ----

  /**
   * Lateness of the last ticks: how long after its planned time each started (the first tick is the
   * plan's origin).
   *
   * @param ticks ticks run so far
   * @param samplesNanos the lateness of the latest ticks (at most {@value #LATENESS_KEPT}), oldest
   *     first
   */
  public record TickLateness(long ticks, long[] samplesNanos) {}

  private static final int LATENESS_KEPT = 4096;
  private final long[] lateness = new long[LATENESS_KEPT];
  private long ticksRun;
  private long firstTickAt;

  private synchronized void recordLateness(long now) {
    if (ticksRun == 0) {
      firstTickAt = now;
    }
    long planned = firstTickAt + ticksRun * settings.tick().toNanos();
    lateness[(int) (ticksRun % LATENESS_KEPT)] = Math.max(0, now - planned);
    ticksRun++;
  }

  /** A copy of the latest tick lateness samples (for the API and benchmarks). */
  public synchronized TickLateness tickLateness() {
    int n = (int) Math.min(ticksRun, LATENESS_KEPT);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = lateness[(int) ((ticksRun - n + i) % LATENESS_KEPT)];
    }
    return new TickLateness(ticksRun, out);
  }

  // ---- the tick ----

  private void safeTick() {
    recordLateness(nanos.getAsLong());
    try {
      tick();
    } catch (RuntimeException e) {
      // a bug in one tick must not stop the loop: the next tick re-reads everything
      log.error("agent {}: tick failed", settings.site(), e);
    }
  }

  private void tick() {
    if (!running) {
      return;
    }
    decide();
    long now = nanos.getAsLong();
    PeerReport report = loop.report(now);
    for (String peer : settings.peers()) {
      peers.sendReport(peer, report);
    }
    if (loop.wantsPromises()) {
      for (String peer : settings.peers()) {
        peers.sendPromiseRequest(peer, settings.site(), now);
      }
    }
    if (loop.state() == AgentState.ACTIVE && holder.renewalDue()) {
      TicketView v = holder.view();
      long sentAt = holder.markSent();
      TicketRequest r =
          TicketRequest.renew(
              settings.cluster(),
              settings.site(),
              health.get().healthy(),
              settings.ticketTtl(),
              v.epoch());
      callWitness(sentAt, () -> witness.renew(r), false);
    } else if (!pingInFlight) {
      pingInFlight = true;
      long sentAt = now;
      callWitness(
          sentAt,
          () -> {
            witness.observe(settings.cluster());
            return null;
          },
          false);
    }
  }

  private void decide() {
    if (!running) {
      return;
    }
    long now = nanos.getAsLong();
    boolean reachable =
        anyWitnessReply
            && now - lastWitnessReply
                <= settings.tick().toNanos() + settings.retryTimeout().toNanos();
    TickSnapshot s =
        new TickSnapshot(
            now,
            clock.instant(),
            health.get(),
            holder.view(),
            reachable,
            board.reports(),
            board.promises(),
            List.copyOf(commands),
            fenceComplete);
    commands.clear();
    Decision d = loop.tick(s);
    onDecision.accept(d);
    switch (d.action()) {
      case ACQUIRE, FORCE_ACQUIRE -> {
        long sentAt = holder.markSent();
        TicketRequest r =
            new TicketRequest(
                settings.cluster(),
                settings.site(),
                s.health().healthy(),
                settings.ticketTtl(),
                0,
                d.action() == Action.FORCE_ACQUIRE,
                d.action() == Action.FORCE_ACQUIRE ? TicketRequest.FORCE_ACKNOWLEDGEMENT : "");
        callWitness(sentAt, () -> witness.acquire(r), true);
      }
      case ACTIVATE -> {
        fenceComplete = false;
        holder.token().ifPresent(token -> actions.activate(token, d.words()));
      }
      case FENCE -> {
        actions
            .fence(d.words())
            .whenComplete((ok, err) -> onAgentThread(() -> fenceComplete = true));
      }
      case RELEASE -> {
        long epoch = s.ticket().epoch();
        holder.released();
        io.execute(
            () -> {
              try {
                witness.release(settings.cluster(), settings.site(), epoch);
              } catch (TandemException e) {
                log.warn("agent {}: release of epoch {} failed: {}", site(), epoch, e.getMessage());
              }
            });
      }
      case NONE -> {}
    }
  }

  /** Call the witness off the agent thread; hand the answer back to it. */
  private void callWitness(long sentAt, Supplier<TicketResult> call, boolean tickOnReply) {
    io.execute(
        () -> {
          TicketResult result;
          try {
            result = call.get();
          } catch (TandemException e) {
            onAgentThread(
                () -> {
                  pingInFlight = false;
                  holder.onFailure(sentAt, e.getMessage());
                });
            return;
          } catch (RuntimeException e) {
            log.warn("agent {}: witness call failed unexpectedly", site(), e);
            onAgentThread(
                () -> {
                  pingInFlight = false;
                  holder.onFailure(sentAt, e.toString());
                });
            return;
          }
          onAgentThread(
              () -> {
                pingInFlight = false;
                lastWitnessReply = nanos.getAsLong();
                anyWitnessReply = true;
                if (result != null) {
                  holder.onResult(sentAt, result);
                  if (tickOnReply && loop.state() == AgentState.ACQUIRING) {
                    decide();
                  }
                }
              });
        });
  }

  /** The holder fences itself at its deadline even if no tick happens to fall there. */
  private void schedulePolls() {
    long delay = holder.fenceAtNanos() - nanos.getAsLong();
    long lead = settings.fenceLead().toNanos();
    for (long d : new long[] {delay, delay + lead}) {
      agentThread.schedule(
          () -> {
            if (running) {
              holder.poll();
            }
          },
          Math.max(0, d),
          TimeUnit.NANOSECONDS);
    }
  }

  private void onAgentThread(Runnable r) {
    try {
      agentThread.execute(
          () -> {
            try {
              r.run();
            } catch (RuntimeException e) {
              log.error("agent {}: task failed", site(), e);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException stopped) {
      // the agent was stopped; nothing to do
    }
  }

  /** Stop ticking and drop every in-flight answer (as a crash would, but cleanly). */
  @Override
  public void close() {
    running = false;
    agentThread.shutdownNow();
    io.shutdownNow();
  }
}
