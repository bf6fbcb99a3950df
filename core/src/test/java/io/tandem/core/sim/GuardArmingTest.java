package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.OperatorCommand;
import io.tandem.core.agent.ReasonCode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A PBX never takes calls under a new epoch while its fence guard is disarmed (session 9). Found by
 * {@link ExtendedChaosProperties} with seed -7244215483245508966: site-1 activated under epoch 2;
 * the beat arming its guard drew the socket's tail latency and the agent was paused (4.5 s) before
 * it arrived (the sender thread pauses with the agent); "accept calls" had already gone out, so the
 * PBX took calls under a guard still disarmed by the idle beats before, which then ignored the held
 * beat (its deadline had passed). Nobody fenced that PBX until the agent resumed: 49 ms of two
 * sites serving.
 */
class GuardArmingTest {

  /** The counterexample itself, replayed by seed (its replay command is in the class comment). */
  @Test
  void theExtendedChaosSeedThatServedTwoSitesIsSafe() {
    SafetyProperties.assertSafe(ExtendedChaosProperties.extended(-7244215483245508966L, false));
  }

  /**
   * The activation under a new epoch waits for the guard's reply to the beat that arms it: the
   * target of a switchover whose beats are held back (a starved sender thread) gets no reply, so
   * its activation does not go on (ACTIVATION_FAILED, saying why) and its PBX takes no call while
   * its guard is disarmed; the cluster still ends with one site serving.
   */
  @Test
  void noCallsUnderANewEpochBeforeTheGuardAcknowledgedTheBeatArmingIt() {
    Simulation sim = Simulation.builder(11).agents(2).build().startAll();
    sim.runUntil(20 * SECOND);
    SimAgent old =
        sim.agents().stream().filter(a -> a.state() == AgentState.ACTIVE).findFirst().orElseThrow();
    SimAgent target = sim.agents().stream().filter(a -> a != old).findFirst().orElseThrow();
    target.holdGuardBeats(4 * SECOND);
    old.command(new OperatorCommand.Switchover(target.site));
    sim.runFor(Duration.ofSeconds(30));
    assertThat(target.pbxStartsUnguarded).as(sim.report()).isEmpty();
    assertThat(target.decisions)
        .as("the activation said why it did not go on")
        .anySatisfy(
            d -> {
              assertThat(d.reason()).isEqualTo(ReasonCode.ACTIVATION_FAILED);
              assertThat(d.words()).contains("the fence guard did not acknowledge");
            });
    assertThat(sim.violation()).as(sim.report()).isNull();
    assertThat(sim.servingNow()).hasSize(1);
  }

  /**
   * A fence decided while the activation waits for the guard ends it: the guard's answer, arriving
   * after the fence but before the ticket's self-fence point, starts no run (maintenance on the
   * target of a switchover 0.1 s after its ACTIVATE decision, its beats held back 1 s).
   */
  @Test
  void aFenceWhileTheActivationWaitsForTheGuardEndsIt() {
    Simulation sim = Simulation.builder(11).agents(2).build().startAll();
    sim.runUntil(20 * SECOND);
    SimAgent old =
        sim.agents().stream().filter(a -> a.state() == AgentState.ACTIVE).findFirst().orElseThrow();
    SimAgent target = sim.agents().stream().filter(a -> a != old).findFirst().orElseThrow();
    target.holdGuardBeats(SECOND);
    old.command(new OperatorCommand.Switchover(target.site));
    for (int i = 0;
        i < 500
            && target.decisions.stream()
                .noneMatch(d -> d.action() == io.tandem.core.agent.Action.ACTIVATE);
        i++) {
      sim.runFor(Duration.ofMillis(10));
    }
    assertThat(target.decisions).anyMatch(d -> d.action() == io.tandem.core.agent.Action.ACTIVATE);
    sim.runFor(Duration.ofMillis(100));
    target.command(new OperatorCommand.Maintenance(true));
    sim.runFor(Duration.ofSeconds(3));
    assertThat(target.activations).as("no run started").isEmpty();
    assertThat(target.pbxServing()).isFalse();
    assertThat(target.pbxStartsUnguarded).isEmpty();
    assertThat(sim.violation()).as(sim.report()).isNull();
  }
}
