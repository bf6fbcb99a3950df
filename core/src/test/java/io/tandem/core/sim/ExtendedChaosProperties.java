package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;

/**
 * Safety under the extended fault generator (issue 13.3, {@link Chaos#extended}) on every witness
 * backend: never two PBXs serving at once (overlaps an acknowledged forced acquire explains are
 * counted, not failed), and granted epochs never go back. The witness kind, the failsafe and the
 * number of sites come from the seed. A failure prints the seed and its replay command.
 */
class ExtendedChaosProperties {

  static Simulation extended(long seed, boolean trace) {
    SimWitness.Kind kind = SimWitness.Kind.values()[(int) Math.floorMod(seed, 4L)];
    boolean failsafe = Math.floorMod(seed >> 2, 4L) != 0; // three in four with the failsafe
    Simulation sim =
        Simulation.builder(seed)
            .agents(2 + (int) Math.floorMod(seed >> 4, 2L))
            .maxDriftPpm(10_000)
            .witnessKind(kind)
            .trace(trace)
            .settings(b -> b.witnessOutageFailsafe(failsafe))
            .replayKind("extended")
            .build();
    long end = 240 * SECOND;
    List<String> faults = Chaos.extended(sim, 3 + (int) Math.floorMod(seed >> 5, 8L), end);
    sim.startAll();
    sim.runUntil(end + 30 * SECOND);
    if (trace) {
      System.out.println("witness " + kind + ", failsafe " + failsafe);
      faults.forEach(System.out::println);
    }
    return sim;
  }

  @Property(tries = 2500, shrinking = ShrinkingMode.OFF)
  void neverTwoSitesServingUnderEveryFault(@ForAll long seed) {
    SafetyProperties.assertSafe(extended(seed, false));
  }
}
