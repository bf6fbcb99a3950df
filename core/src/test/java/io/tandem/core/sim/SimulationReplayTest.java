package io.tandem.core.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Replays the schedule named by {@code -Dtandem.sim.seed=<seed>} and {@code
 * -Dtandem.sim.kind=<kind>} (chaos, chaos-no-failsafe, extended, extended-fast, witness-outage,
 * failsafe-stress, healthy-primary, primary-dies) with a full trace in its output: the command
 * every failing seed prints. Without the properties it replays a fixed chaos seed, so it always
 * runs.
 */
class SimulationReplayTest {

  @Test
  void replaysOneSeed() {
    long seed = Long.parseLong(System.getProperty("tandem.sim.seed", "20261126"));
    String kind = System.getProperty("tandem.sim.kind", "chaos");
    Simulation sim = SimulationReplay.run(seed, kind); // liveness kinds throw when they fail
    sim.fullTrace().forEach(System.out::println);
    System.out.println(sim.report());
    assertThat(sim.violation()).as(sim.report()).isNull();
    assertThat(sim.epochViolation()).as(sim.report()).isNull();
    assertThat(sim.witness().grants()).isNotEmpty();
  }
}
