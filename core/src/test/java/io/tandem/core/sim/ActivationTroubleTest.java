package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.ReasonCode;
import io.tandem.core.agent.effects.ActivationResult.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12.4, the agent's side: a holder whose activation cannot complete retries with backoff and,
 * past a bound, steps down so a healthy site can take over (Patroni demotes a leader that cannot do
 * its job). Today's code held the ticket with nothing moved, forever.
 */
class ActivationTroubleTest {

  private static List<Decision> with(SimAgent a, ReasonCode r) {
    return a.decisions.stream().filter(d -> d.reason() == r).toList();
  }

  @Test
  void aFailedActivationIsRetriedWithBackoffAndThenServes() {
    Simulation sim = Simulation.builder(51).agents(2).trace(true).build();
    SimAgent primary = sim.agent("site-0");
    primary.nextActivations(Outcome.FAILED, Outcome.FAILED);
    sim.startAll();
    sim.runUntil(60 * SECOND);

    assertThat(primary.activations).as(sim.report()).hasSize(3);
    List<Decision> retries =
        with(primary, ReasonCode.ACTIVATION_FAILED).stream()
            .filter(d -> d.action() == io.tandem.core.agent.Action.ACTIVATE)
            .toList();
    assertThat(retries)
        .extracting(Decision::words)
        .containsExactly(
            "retrying the activation under epoch 1 (attempt 2 of 3)",
            "retrying the activation under epoch 1 (attempt 3 of 3)");
    assertThat(with(primary, ReasonCode.ACTIVATION_FAILED))
        .anySatisfy(
            d ->
                assertThat(d.words())
                    .startsWith(
                        "ALARM: the activation under epoch 1 failed (run failover-1 FAILED:"
                            + " scripted); retrying in "));
    // backoff: at least 2 ticks before the second attempt, 4 before the third
    long second = retries.get(0).at().toEpochMilli();
    long third = retries.get(1).at().toEpochMilli();
    assertThat(third - second).isGreaterThanOrEqualTo(4 * primary.settings.tick().toMillis());
    assertThat(sim.servingNow()).containsExactly("site-0");
    assertThat(sim.violation()).isNull();
  }

  @Test
  void pastTheBoundTheHolderStepsDownAndAHealthyPeerTakesOver() {
    Simulation sim = Simulation.builder(52).agents(2).trace(true).build();
    SimAgent primary = sim.agent("site-0");
    primary.nextActivations(Outcome.FAILED, Outcome.FAILED, Outcome.FAILED);
    sim.startAll();
    sim.runUntil(90 * SECOND);

    Decision down =
        with(primary, ReasonCode.ACTIVATION_STEPPING_DOWN).stream()
            .filter(d -> d.action() == io.tandem.core.agent.Action.FENCE)
            .findFirst()
            .orElseThrow(() -> new AssertionError(sim.report()));
    assertThat(down.words())
        .isEqualTo(
            "stepping down: the activation under epoch 1 failed 3 times (run failover-1 FAILED:"
                + " scripted); fencing and releasing the ticket so site-1 can take over");
    assertThat(primary.decisions).anyMatch(d -> d.reason() == ReasonCode.RELEASING_TICKET);
    assertThat(sim.servingNow()).as(sim.report()).containsExactly("site-1");
    assertThat(primary.state()).isEqualTo(AgentState.STANDBY);
    assertThat(sim.violation()).isNull();
  }

  @Test
  void anActivationThatNeedsAnOperatorIsNeverRetriedAndStepsDownWhenAPeerCanTakeOver() {
    Simulation sim = Simulation.builder(53).agents(2).trace(true).build();
    SimAgent primary = sim.agent("site-0");
    primary.nextActivations(Outcome.NEEDS_OPERATOR);
    sim.startAll();
    sim.runUntil(60 * SECOND);

    assertThat(primary.activations).as(sim.report()).hasSize(1);
    assertThat(with(primary, ReasonCode.ACTIVATION_NEEDS_OPERATOR))
        .first()
        .extracting(Decision::words)
        .isEqualTo(
            "stepping down: the activation under epoch 1 needs an operator (run failover-1"
                + " NEEDS_OPERATOR: scripted); fencing and releasing the ticket so site-1 can take"
                + " over");
    assertThat(sim.servingNow()).containsExactly("site-1");
    assertThat(sim.violation()).isNull();
  }

  /**
   * A run stopped as fenced while this site still holds its ticket (a step outlived the time left
   * it started with, and renewals kept the ticket meanwhile: short tickets make that possible) is a
   * failed attempt, retried like one; before, the holder stayed ACTIVE with nothing serving.
   */
  @Test
  void aRunCutOffWhileTheTicketIsStillHeldIsRetried() {
    Simulation sim = Simulation.builder(55).agents(2).trace(true).build();
    SimAgent primary = sim.agent("site-0");
    primary.nextActivations(Outcome.CANCELLED);
    sim.startAll();
    sim.runUntil(60 * SECOND);

    assertThat(primary.activations).as(sim.report()).hasSize(2);
    assertThat(with(primary, ReasonCode.ACTIVATION_FAILED))
        .extracting(Decision::words)
        .contains("retrying the activation under epoch 1 (attempt 2 of 3)");
    assertThat(sim.servingNow()).as(sim.report()).containsExactly("site-0");
    assertThat(sim.violation()).isNull();
  }

  @Test
  void withNobodyToTakeOverAHolderThatNeedsAnOperatorHoldsAndSaysSo() {
    Simulation sim = Simulation.builder(54).agents(2).trace(true).build();
    SimAgent primary = sim.agent("site-0");
    sim.agent("site-1").healthy = false;
    primary.nextActivations(Outcome.NEEDS_OPERATOR);
    sim.startAll();
    sim.runUntil(60 * SECOND);

    assertThat(primary.activations).hasSize(1);
    assertThat(primary.decisions.getLast().reason())
        .isEqualTo(ReasonCode.ACTIVATION_NEEDS_OPERATOR);
    assertThat(primary.decisions.getLast().words())
        .isEqualTo(
            "ALARM: the activation under epoch 1 needs an operator (run failover-1"
                + " NEEDS_OPERATOR: scripted); no healthy peer can take over, so holding the"
                + " ticket without retrying");
    assertThat(primary.state()).isEqualTo(AgentState.ACTIVE);
    assertThat(sim.violation()).isNull();
  }
}
