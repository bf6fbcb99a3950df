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
import io.tandem.core.agent.WitnessLink;
import io.tandem.core.agent.effects.ActivationResult;
import io.tandem.core.agent.effects.FenceResult;
import io.tandem.core.agent.effects.SiteEffects;
import io.tandem.core.health.SiteHealth;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

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

  private AgentCore core;
  private boolean alive;
  private int incarnation;
  boolean healthy = true;
  final List<Decision> decisions = new ArrayList<>();

  /** Every activation this site's agent asked for, in order, across restarts. */
  final List<io.tandem.core.agent.effects.Activation> activations = new ArrayList<>();

  SimAgent(Simulation sim, String site, NodeClock clock, AgentSettings settings) {
    this.sim = sim;
    this.site = site;
    this.clock = clock;
    this.settings = settings;
  }

  long now() {
    return clock.local(sim.scheduler().now());
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

  /** Serving at this instant: alive, ACTIVE and covered by a ticket or the failsafe. */
  boolean serving() {
    return alive && core.serving();
  }

  void start(long firstTickDelayNanos) {
    alive = true;
    int inc = ++incarnation;
    AgentScheduler scheduler = new IncarnationScheduler(inc);
    TicketHolder holder =
        new TicketHolder(
            settings.cluster(),
            site,
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
            .witness(new Witness())
            .peers(new Peers())
            .effects(new Effects())
            .scheduler(scheduler)
            .onDecision(
                d -> {
                  decisions.add(d);
                  sim.onDecision(this, d, holder.view());
                })
            .build();
    core.start(firstTickDelayNanos);
  }

  void crash() {
    alive = false;
    if (core != null) {
      core.stop();
    }
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
      sim.scheduler()
          .at(
              clock.trueAt(atNanos),
              () -> {
                if (alive && inc == incarnation) {
                  task.run();
                }
              });
    }
  }

  /** The witness over the simulated network: a lost request or reply never completes. */
  private final class Witness implements WitnessLink {

    private <T> CompletionStage<T> call(Supplier<T> atWitness) {
      CompletableFuture<T> reply = new CompletableFuture<>();
      sim.network()
          .send(
              site,
              SimWitness.NAME,
              () -> {
                if (!sim.witness().up()) {
                  return;
                }
                T result = atWitness.get();
                sim.network().send(SimWitness.NAME, site, () -> reply.complete(result));
              });
      return reply;
    }

    @Override
    public CompletionStage<TicketResult> acquire(TicketRequest request) {
      return call(() -> sim.witness().acquire(request));
    }

    @Override
    public CompletionStage<TicketResult> renew(TicketRequest request) {
      return call(() -> sim.witness().renew(request));
    }

    @Override
    public CompletionStage<Optional<Ticket>> observe(String cluster) {
      return call(() -> sim.witness().observe(cluster));
    }

    @Override
    public CompletionStage<Void> release(String cluster, String s, long epoch) {
      sim.network()
          .send(
              site,
              SimWitness.NAME,
              () -> {
                if (sim.witness().up()) {
                  sim.witness().release(cluster, s, epoch);
                }
              });
      return CompletableFuture.completedFuture(null);
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

  /** The site's effects: instantaneous and always successful. */
  private final class Effects implements SiteEffects {
    @Override
    public CompletionStage<ActivationResult> activate(
        io.tandem.core.agent.effects.Activation activation) {
      activations.add(activation);
      return CompletableFuture.completedFuture(
          new ActivationResult(
              activation.token().epoch(),
              ActivationResult.Outcome.SUCCEEDED,
              "activated",
              Optional.empty()));
    }

    @Override
    public CompletionStage<FenceResult> fence(io.tandem.core.agent.effects.FenceRequest request) {
      return CompletableFuture.completedFuture(new FenceResult(FenceResult.Outcome.DONE, "fenced"));
    }
  }
}
