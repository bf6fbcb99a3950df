package io.tandem.core.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Replays the chaos schedule named by {@code -Dtandem.sim.seed=<seed>} (and {@code
 * -Dtandem.sim.failsafe=false} for the failsafe-off variant); without the property it replays a
 * fixed seed, so it always runs.
 */
class SimulationReplayTest {

  @Test
  void replaysOneSeed() {
    long seed = Long.parseLong(System.getProperty("tandem.sim.seed", "20261126"));
    boolean failsafe = Boolean.parseBoolean(System.getProperty("tandem.sim.failsafe", "true"));
    Simulation sim = SafetyProperties.chaos(seed, failsafe, true);
    System.out.println(sim.report());
    assertThat(sim.violation()).as(sim.report()).isNull();
    assertThat(sim.epochViolation()).as(sim.report()).isNull();
    assertThat(sim.witness().grants()).isNotEmpty();
  }
}
