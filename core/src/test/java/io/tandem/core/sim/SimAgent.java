package io.tandem.core.sim;

import io.tandem.core.agent.AgentSettings;
import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.DecisionLoop;
import io.tandem.core.agent.OperatorCommand;
import io.tandem.core.agent.PeerBoard;
import io.tandem.core.agent.PeerLink;
import io.tandem.core.agent.PeerPromise;
import io.tandem.core.agent.PeerReport;
import io.tandem.core.agent.TickSnapshot;
import io.tandem.core.health.SiteHealth;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.TicketListener;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.TicketView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One site's agent in the simulation: the real {@link DecisionLoop} and {@link TicketHolder},
 * driven the way the app drives them (tick, act, report, renew), talking through {@link
 * SimNetwork}. A crash takes the whole site down (not serving); a restart is a new process with
 * empty memory.
 */
final class SimAgent {

  private static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");

  final String site;
  final NodeClock clock;
  final AgentSettings settings;
  private final Simulation sim;

  /** Peers in a fixed order: Set.copyOf iterates in a per-JVM random order, seeds must replay. */
  private final List<String> sortedPeers;

  TicketHolder holder;
  DecisionLoop loop;
  private PeerBoard board;
  private boolean alive;
  private int incarnation;
  boolean healthy = true;
  private long lastWitnessReply;
  private boolean anyWitnessReply;
  private boolean fenceComplete;
  private final List<OperatorCommand> commands = new ArrayList<>();
  final List<Decision> decisions = new ArrayList<>();

  SimAgent(Simulation sim, String site, NodeClock clock, AgentSettings settings) {
    this.sim = sim;
    this.site = site;
    this.clock = clock;
    this.settings = settings;
    this.sortedPeers = settings.peers().stream().sorted().toList();
  }

  long now() {
    return clock.local(sim.scheduler().now());
  }

  boolean alive() {
    return alive;
  }

  AgentState state() {
    return loop == null ? AgentState.STARTING : loop.state();
  }

  /** Serving at this instant: alive, ACTIVE and covered by a ticket or the failsafe. */
  boolean serving() {
    return alive && loop.serving(now());
  }

  void start(long firstTickDelayNanos) {
    alive = true;
    int inc = ++incarnation;
    holder =
        new TicketHolder(
            settings.cluster(),
            site,
            settings.renewInterval(),
            settings.driftMargin(),
            settings.fenceLead(),
            this::now);
    holder.addListener(
        new TicketListener() {
          @Override
          public void selfFence(long epoch, String reason) {
            sim.scheduler().after(0, () -> extraTick(inc));
          }

          @Override
          public void lost(long epoch, String reason) {
            sim.scheduler().after(0, () -> extraTick(inc));
          }

          @Override
          public void acquired(Ticket ticket) {
            schedulePolls(inc);
          }
        });
    loop = new DecisionLoop(settings, holder, now());
    board = new PeerBoard();
    anyWitnessReply = false;
    fenceComplete = true;
    commands.clear();
    scheduleTickAt(now() + firstTickDelayNanos, inc);
  }

  void crash() {
    alive = false;
  }

  void command(OperatorCommand c) {
    commands.add(c);
  }

  private void scheduleTickAt(long local, int inc) {
    sim.scheduler().at(clock.trueAt(local), () -> scheduledTick(inc, local));
  }

  private void schedulePolls(int inc) {
    long fenceAt = holder.fenceAtNanos();
    sim.scheduler().at(clock.trueAt(fenceAt), () -> poll(inc));
    sim.scheduler().at(clock.trueAt(fenceAt + settings.fenceLead().toNanos()), () -> poll(inc));
  }

  private void poll(int inc) {
    if (alive && inc == incarnation) {
      holder.poll();
    }
  }

  private void scheduledTick(int inc, long plannedLocal) {
    if (!alive || inc != incarnation) {
      return;
    }
    decide();
    long now = now();
    peerLink.broadcast(loop.report(now));
    if (loop.wantsPromises()) {
      peerLink.requestPromises(site, now);
    }
    boolean sentToWitness = false;
    if ((loop.state() == AgentState.ACTIVE) && holder.renewalDue()) {
      TicketView v = holder.view();
      long sentAt = holder.markSent();
      TicketRequest r =
          TicketRequest.renew(settings.cluster(), site, healthy, settings.ticketTtl(), v.epoch());
      sendToWitness(inc, sentAt, () -> sim.witness().renew(r), false);
      sentToWitness = true;
    }
    if (!sentToWitness) {
      sendToWitness(inc, now, null, false);
    }
    scheduleTickAt(plannedLocal + settings.tick().toNanos(), inc);
  }

  /** The {@link PeerLink} port over the simulated network, as the app's transport implements it. */
  private final PeerLink peerLink =
      new PeerLink() {
        @Override
        public void broadcast(PeerReport report) {
          for (String peer : sortedPeers) {
            sim.network().send(site, peer, () -> sim.agent(peer).onReport(report));
          }
        }

        @Override
        public void requestPromises(String from, long sentAtNanos) {
          for (String peer : sortedPeers) {
            sim.network()
                .send(from, peer, () -> sim.agent(peer).onPromiseRequest(from, sentAtNanos));
          }
        }
      };

  private void extraTick(int inc) {
    if (alive && inc == incarnation) {
      decide();
    }
  }

  private void decide() {
    long now = now();
    boolean reachable =
        anyWitnessReply
            && now - lastWitnessReply
                <= settings.tick().toNanos() + settings.retryTimeout().toNanos();
    Instant wall = BASE.plusNanos(now);
    TickSnapshot s =
        new TickSnapshot(
            now,
            wall,
            SiteHealth.of(site, healthy, wall),
            holder.view(),
            reachable,
            board.reports(),
            board.promises(),
            List.copyOf(commands),
            fenceComplete);
    commands.clear();
    Decision d = loop.tick(s);
    decisions.add(d);
    sim.onDecision(this, d, s.ticket());
    int inc = incarnation;
    switch (d.action()) {
      case ACQUIRE, FORCE_ACQUIRE -> {
        long sentAt = holder.markSent();
        TicketRequest r =
            new TicketRequest(
                settings.cluster(),
                site,
                healthy,
                settings.ticketTtl(),
                0,
                d.action() == io.tandem.core.agent.Action.FORCE_ACQUIRE,
                d.action() == io.tandem.core.agent.Action.FORCE_ACQUIRE
                    ? TicketRequest.FORCE_ACKNOWLEDGEMENT
                    : "");
        sendToWitness(inc, sentAt, () -> sim.witness().acquire(r), true);
      }
      case ACTIVATE -> fenceComplete = false;
      case FENCE -> fenceComplete = true; // the simulated site stops serving at once
      case RELEASE -> {
        long epoch = s.ticket().epoch();
        holder.released();
        sim.network()
            .send(
                site,
                SimWitness.NAME,
                () -> {
                  if (sim.witness().up()) {
                    sim.witness().release(settings.cluster(), site, epoch);
                  }
                });
      }
      case NONE -> {}
    }
  }

  /**
   * Send a request to the witness; {@code call} null means a ping (observe). The reply comes back
   * over the network; {@code tickOnReply} re-runs the loop at once (acquire answers).
   */
  private void sendToWitness(
      int inc, long sentAt, java.util.function.Supplier<TicketResult> call, boolean tickOnReply) {
    sim.network()
        .send(
            site,
            SimWitness.NAME,
            () -> {
              if (!sim.witness().up()) {
                return;
              }
              TicketResult result = call == null ? null : call.get();
              sim.network()
                  .send(
                      SimWitness.NAME,
                      site,
                      () -> onWitnessReply(inc, sentAt, result, tickOnReply));
            });
  }

  private void onWitnessReply(int inc, long sentAt, TicketResult result, boolean tickOnReply) {
    if (!alive || inc != incarnation) {
      return;
    }
    lastWitnessReply = now();
    anyWitnessReply = true;
    if (result != null) {
      holder.onResult(sentAt, result);
      if (tickOnReply && loop.state() == AgentState.ACQUIRING) {
        decide();
      }
    }
  }

  private void onReport(PeerReport report) {
    if (alive) {
      board.onReport(report, now());
    }
  }

  private void onPromiseRequest(String from, long sentAt) {
    if (!alive) {
      return;
    }
    PeerPromise p = loop.answerPromise(from, sentAt, now());
    sim.network().send(site, from, () -> sim.agent(from).onPromise(p));
  }

  private void onPromise(PeerPromise p) {
    if (alive) {
      board.onPromise(p);
    }
  }
}
