package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.agent.Decision;
import io.tandem.core.agent.OperatorCommand;
import io.tandem.core.agent.ReasonCode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Counterexamples found once the simulation judged what was actuated (a PBX serves from the moment
 * its activation completes until a fence lands), each kept as a named regression case. Replay one
 * with {@code SimulationReplay <seed> chaos}.
 */
class ActuationRegressionTest {

  /**
   * Seeds of the shipped chaos generator (failsafe on) in which overlapping crash faults restart a
   * live ACTIVE agent while its PBX keeps serving: the new process did not fence its PBX, so the
   * PBX served on while another site took over (issue 13.2; fixed by the start-up fence, 12.9).
   * 2224: a maintenance fence timed out, was taken for done, and the ticket was released while the
   * PBX still served.
   */
  @ParameterizedTest(name = "chaos seed {0}")
  @ValueSource(longs = {1001, 5564, 11452, 13753, 14262, 16378, 18080, 2224})
  void namedChaosSeedsStaySafe(long seed) {
    SafetyProperties.assertSafe(SafetyProperties.chaos(seed, true, false));
  }

  /** An agent process restarted while its PBX serves fences the PBX before anything else. */
  @Test
  void aRestartedAgentFencesItsServingPbxBeforeAnotherSiteCanServe() {
    Simulation sim = Simulation.builder(21).agents(2).trace(true).build().startAll();
    sim.runUntil(25 * SECOND);
    assertThat(sim.servingNow()).as(sim.report()).containsExactly("site-0");
    SimAgent active = sim.agent("site-0");
    long restart = sim.now();
    active.start(0); // the process restarts; the PBX keeps taking calls
    sim.runFor(Duration.ofSeconds(30));
    Decision first =
        active.decisions.stream()
            .filter(d -> d.at().isAfter(active.wallAt(restart - 1)))
            .findFirst()
            .orElseThrow();
    assertThat(first.reason()).isEqualTo(ReasonCode.STARTUP_FENCE);
    assertThat(first.words())
        .isEqualTo("starting: fencing the local PBX (a new agent process never assumes it serves)");
    assertThat(sim.violation()).as(sim.report()).isNull();
    assertThat(sim.servingNow()).hasSize(1);
  }

  /**
   * Maintenance on the active site whose fence times out: the fence is unknown, never done, so the
   * ticket is not released until a later fence is confirmed.
   */
  @Test
  void aTimedOutFenceIsFencedAgainBeforeTheTicketIsReleased() {
    Simulation sim = Simulation.builder(22).agents(2).trace(true).build().startAll();
    sim.runUntil(25 * SECOND);
    SimAgent active = sim.agent("site-0");
    active.nextFencesTimeOut(true, false);
    active.command(new OperatorCommand.Maintenance(true));
    sim.runFor(Duration.ofSeconds(20));
    Decision unknown =
        active.decisions.stream()
            .filter(d -> d.reason() == ReasonCode.FENCE_UNKNOWN)
            .findFirst()
            .orElseThrow(() -> new AssertionError(sim.report()));
    assertThat(unknown.words())
        .isEqualTo(
            // the fence budget: fenceLead + witnessGrace (0.3 s + 0.3 s at the defaults)
            "fence unknown (PBX stop new calls did not answer within 600 ms); fencing again"
                + " (attempt 2)");
    assertThat(active.fences).hasSizeGreaterThanOrEqualTo(2);
    assertThat(sim.violation()).as(sim.report()).isNull();
    assertThat(sim.servingNow()).containsExactly("site-1");
  }
}
