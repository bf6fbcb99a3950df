package io.tandem.core.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.health.SiteHealth;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.TicketResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The decision loop on hand-built snapshots (the simulation covers the protocol end to end). */
class DecisionLoopTest {

  private static final long S = 1_000_000_000L;
  private final AtomicLong clock = new AtomicLong(100 * S);
  private final Map<String, PeerReport> peers = new HashMap<>();
  private final Map<String, PeerPromise> promises = new HashMap<>();
  private final List<OperatorCommand> commands = new ArrayList<>();
  private boolean witnessReachable = true;
  private FenceStatus fence = new FenceStatus(FenceStatus.Phase.DONE, 0, "fenced");
  private ActivationStatus activation = ActivationStatus.NONE;

  private DecisionLoop loop(AgentSettings.Builder b) {
    AgentSettings s = b.build();
    TicketHolder holder =
        new TicketHolder(
            s.cluster(), s.site(), s.renewInterval(), s.driftMargin(), s.fenceLead(), clock::get);
    this.holder = holder;
    return new DecisionLoop(s, holder, new DecisionHistory(s.historySize()), clock.get());
  }

  private TicketHolder holder;

  private static AgentSettings.Builder settings() {
    // the expectations below are written in the classic timings' seconds (tick 1 s, TTL 10 s)
    return AgentSettings.builder()
        .cluster("pbx")
        .site("a")
        .priority(0)
        .peers(Set.of("b"))
        .timings(io.tandem.core.config.ClassicTimings.CLASSIC);
  }

  private Decision tick(DecisionLoop loop) {
    Instant wall = Instant.EPOCH.plusNanos(clock.get());
    Decision d =
        loop.tick(
            new TickSnapshot(
                clock.get(),
                wall,
                new SiteHealth("a", true, 25, 25, List.of(), "healthy 25/25", wall),
                holder.view(),
                witnessReachable,
                peers,
                promises,
                List.copyOf(commands),
                fence,
                activation));
    commands.clear();
    return d;
  }

  private void advance(double seconds) {
    clock.addAndGet((long) (seconds * S));
  }

  private DecisionLoop activeLoop(AgentSettings.Builder b) {
    DecisionLoop loop = loop(b);
    advance(11);
    assertThat(tick(loop).reason()).isEqualTo(ReasonCode.STARTED);
    Decision acquire = tick(loop);
    assertThat(acquire.action()).isEqualTo(Action.ACQUIRE);
    long sent = holder.markSent();
    holder.onResult(
        sent,
        TicketResult.granted(
            new Ticket("pbx", "a", 12, Instant.EPOCH, Duration.ofSeconds(10)), "granted"));
    Decision activate = tick(loop);
    assertThat(activate.action()).isEqualTo(Action.ACTIVATE);
    assertThat(loop.state()).isEqualTo(AgentState.ACTIVE);
    return loop;
  }

  @Test
  void holdingTheTicketSaysSoInWords() {
    DecisionLoop loop = activeLoop(settings());
    Decision d = tick(loop);
    assertThat(d.reason()).isEqualTo(ReasonCode.HOLDING_TICKET);
    assertThat(d.words()).isEqualTo("no action: holding ticket epoch 12, healthy 25/25");
    assertThat(loop.serving(clock.get())).isTrue();
    assertThat(loop.history().recent()).hasSize(4);
  }

  @Test
  void renewalFailureFencesBeforeTheDeadline() {
    DecisionLoop loop = activeLoop(settings().witnessOutageFailsafe(false));
    advance(3.5);
    holder.onFailure(holder.markSent(), "timeout");
    witnessReachable = false;
    advance(5.3); // 8.8 s after the grant: deadline 9.7 s, fence lead 1 s
    holder.poll();
    Decision d = tick(loop);
    assertThat(d.reason()).isEqualTo(ReasonCode.TICKET_EXPIRED);
    assertThat(d.action()).isEqualTo(Action.FENCE);
    assertThat(d.words()).isEqualTo("fencing: ticket renewal failed for 5.3 s");
    assertThat(loop.serving(clock.get())).isFalse();
    fence = new FenceStatus(FenceStatus.Phase.DONE, 0, "fenced");
    assertThat(tick(loop).to()).isEqualTo(AgentState.FENCED);
    assertThat(tick(loop).to()).isEqualTo(AgentState.STANDBY);
  }

  @Test
  void aPromiseCoversItsWindowAndTheFailsafeFencesALeadBeforeItCloses() {
    DecisionLoop loop = activeLoop(settings());
    witnessReachable = false;
    advance(1);
    tick(loop);
    assertThat(loop.wantsPromises()).isTrue();
    long asked = clock.get();
    promises.put(
        "b",
        new PeerPromise("b", "a", asked, 5 * S, 15 * S, true, "b is STANDBY and will not acquire"));
    // the window: asked + 10 s - 0.3 s drift; the cover ends a fence lead (1 s) before that
    advance(8.6); // past the ticket's fence point, but one lost answer changes nothing
    holder.poll();
    Decision covered = tick(loop);
    assertThat(covered.reason()).isEqualTo(ReasonCode.FAILSAFE_PEERS_CONFIRMED);
    assertThat(covered.words())
        .isEqualTo(
            "no action: witness unreachable, ticket epoch 12 not renewed in time; all 1 peers"
                + " promise not to acquire for 0.1 s");
    advance(0.2);
    Decision d = tick(loop);
    assertThat(d.reason()).isEqualTo(ReasonCode.FAILSAFE_CONFIRMATION_MISSING);
    assertThat(d.words()).isEqualTo("fencing: witness unreachable and b did not confirm");
  }

  @Test
  void failsafeKeepsServingPastTheTicketWhilePromisesArrive() {
    DecisionLoop loop = activeLoop(settings());
    witnessReachable = false;
    for (int i = 0; i < 20; i++) {
      advance(1);
      long asked = clock.get() - S / 2;
      promises.put("b", new PeerPromise("b", "a", asked, 0, 10 * S, true, "promised"));
      holder.poll();
      Decision d = tick(loop);
      assertThat(d.action()).as(d.toString()).isEqualTo(Action.NONE);
    }
    assertThat(loop.history().latest().reason()).isEqualTo(ReasonCode.FAILSAFE_PEERS_CONFIRMED);
    assertThat(holder.validNow()).isFalse();
    assertThat(loop.serving(clock.get())).isTrue();
  }

  @Test
  void aPromiseBindsTheStandbyAndIsRefusedWhileAcquiring() {
    DecisionLoop loop = loop(settings().site("b").priority(1).peers(Set.of("a")));
    advance(11);
    tick(loop);
    PeerPromise p = loop.answerPromise("a", 7, clock.get());
    assertThat(p.promised()).isTrue();
    assertThat(p.durationNanos()).isEqualTo(10 * S);
    commands.add(new OperatorCommand.ForceAcquire(OperatorCommand.FORCE_ACKNOWLEDGEMENT));
    Decision d = tick(loop);
    assertThat(d.reason()).isEqualTo(ReasonCode.PROMISE_HOLD);
    assertThat(loop.report(clock.get(), 0, -1).promiseBound()).isTrue();
    advance(10);
    d = tick(loop);
    assertThat(d.reason()).isEqualTo(ReasonCode.FORCED_ACQUIRE);
    assertThat(d.action()).isEqualTo(Action.FORCE_ACQUIRE);
    assertThat(loop.answerPromise("a", 8, clock.get()).promised()).isFalse();
  }

  @Test
  void forcedAcquireWithoutTheExactAcknowledgementIsRejected() {
    DecisionLoop loop = loop(settings());
    commands.add(new OperatorCommand.ForceAcquire("yes"));
    Decision d = tick(loop);
    assertThat(d.reason()).isEqualTo(ReasonCode.COMMAND_REJECTED);
    assertThat(d.words()).contains(OperatorCommand.FORCE_ACKNOWLEDGEMENT);
  }
}
