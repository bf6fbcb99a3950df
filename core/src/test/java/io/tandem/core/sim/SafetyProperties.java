package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;

/**
 * Safety under chaos: on random schedules of crashes, restarts, partitions, loss, flapping links,
 * witness outages and restarts, health flaps, switchovers and maintenance, with every clock
 * drifting within the bound: never two sites serving at the same instant, and granted epochs
 * strictly increase (across witness restarts too). A failure prints the seed; replay it with {@code
 * -Dtandem.sim.seed=<seed>} ({@link SimulationReplayTest}) or {@link SimulationReplay}.
 */
class SafetyProperties {

  static Simulation chaos(long seed, boolean failsafe, boolean trace) {
    Simulation sim =
        Simulation.builder(seed)
            .agents(2 + (int) Math.floorMod(seed, 2L))
            .maxDriftPpm(10_000)
            .trace(trace)
            .settings(b -> b.witnessOutageFailsafe(failsafe))
            .replayKind(failsafe ? "chaos" : "chaos-no-failsafe")
            .build();
    long end = 240 * SECOND;
    List<String> faults = Chaos.schedule(sim, 3 + (int) Math.floorMod(seed >> 3, 8L), end);
    sim.startAll();
    sim.runUntil(end + 30 * SECOND);
    if (trace) {
      faults.forEach(System.out::println);
    }
    return sim;
  }

  static void assertSafe(Simulation sim) {
    if (sim.scheduler().executed() < 200 || sim.witness().grants().isEmpty()) {
      throw new AssertionError("vacuous schedule: nothing happened\n" + sim.report());
    }
    if (sim.violation() != null || sim.epochViolation() != null) {
      throw new AssertionError(
          (sim.violation() != null ? sim.violation() : sim.epochViolation()) + "\n" + sim.report());
    }
    if (sim.availabilityViolation() != null) {
      // a holder ACTIVE with a valid ticket whose PBX its own guard fenced (GuardRaceTest)
      throw new AssertionError(sim.availabilityViolation() + "\n" + sim.report());
    }
  }

  @Property(tries = 2000, shrinking = ShrinkingMode.OFF)
  void neverTwoSitesServingWithFailsafe(@ForAll long seed) {
    assertSafe(chaos(seed, true, false));
  }

  @Property(tries = 500, shrinking = ShrinkingMode.OFF)
  void neverTwoSitesServingWithoutFailsafe(@ForAll long seed) {
    assertSafe(chaos(seed, false, false));
  }
}
