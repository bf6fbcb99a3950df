package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.agent.AgentState;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12.9: the agent process stops (SIGSTOP, GC or VM pause, kill -9) while its PBX keeps
 * serving. The fence guard beside the PBX, fed the agent's deadline every tick, stops the PBX
 * before the ticket can pass to another site. Without it the same faults overlap (the checker has
 * teeth: a 12 s SIGSTOP of the active agent left two PBXs serving).
 */
class PauseAndAgentCrashTest {

  private static Simulation started(long seed, boolean guard) {
    Simulation sim = Simulation.builder(seed).agents(2).fenceGuard(guard).trace(true).build();
    sim.startAll();
    sim.runUntil(25 * SECOND);
    assertThat(sim.servingNow()).as(sim.report()).containsExactly("site-0");
    return sim;
  }

  @ParameterizedTest(name = "pause {0} s")
  @ValueSource(longs = {12, 30})
  void aPauseOfTheActiveAgentIsCoveredByTheFenceGuard(long seconds) {
    Simulation sim = started(61, true);
    SimAgent active = sim.agent("site-0");
    long paused = sim.now();
    active.pause(seconds * SECOND);
    sim.runFor(Duration.ofSeconds(40));

    assertThat(sim.violation()).as(sim.report()).isNull();
    assertThat(active.guardFences()).isPositive();
    assertThat(sim.fullTrace())
        .anySatisfy(
            l -> assertThat(l).contains("site-0 fence guard: fencing the PBX: no fresh beat"));
    // the guard stopped the PBX before the ticket's deadline (no later than TTL after the pause)
    long stopped =
        sim.timeline().stream()
            .filter(c -> c.trueNanos() > paused && !c.serving().contains("site-0"))
            .findFirst()
            .orElseThrow()
            .trueNanos();
    assertThat(stopped - paused).isLessThan(10 * SECOND);
    assertThat(sim.servingNow()).containsExactly("site-1");
    assertThat(active.state()).isIn(AgentState.STANDBY, AgentState.FENCED, AgentState.FENCING);
  }

  @Test
  void withoutTheGuardALongPauseLeavesTwoPbxsServing() {
    Simulation sim = started(61, false);
    sim.agent("site-0").pause(30 * SECOND);
    sim.runFor(Duration.ofSeconds(40));
    assertThat(sim.violation()).startsWith("two sites serving");
  }

  @Test
  void aCrashedAgentLeavesItsServingPbxToTheGuard() {
    Simulation sim = started(62, true);
    sim.agent("site-0").crashAgent();
    sim.runFor(Duration.ofSeconds(40));
    assertThat(sim.violation()).as(sim.report()).isNull();
    assertThat(sim.servingNow()).containsExactly("site-1");
    assertThat(sim.agent("site-0").guardFences()).isPositive();
  }

  @Test
  void withoutTheGuardACrashedAgentsPbxServesOn() {
    Simulation sim = started(62, false);
    sim.agent("site-0").crashAgent();
    sim.runFor(Duration.ofSeconds(40));
    assertThat(sim.violation()).startsWith("two sites serving");
  }
}
