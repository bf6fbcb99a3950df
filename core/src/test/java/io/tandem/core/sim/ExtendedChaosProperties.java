package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;

import io.tandem.core.config.Timings;
import io.tandem.core.witness.WitnessSettings;
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
    return extended(seed, trace, kind, null, "extended");
  }

  /**
   * The same schedules at the {@code fast} profile ({@link Timings#fast()}: a 500 ms ticket, tick
   * 50 ms), on the built-in witness only: the validator refuses a sub-second ticket with the other
   * backends ({@code Timings.checkWitness}). Activations and the agent's fences take as long as at
   * the defaults; one PBX command (the fence guard's fence, after its 50 ms poll; "accept calls")
   * 1–100 ms ({@link EffectTimings#FAST_PBX}): the profile's fence budget is about 220 ms.
   */
  static Simulation extendedFast(long seed, boolean trace) {
    return extended(seed, trace, SimWitness.Kind.BUILT_IN, Timings.fast(), "extended-fast");
  }

  /** {@code timings} null: the shipped defaults, with the witness's default settings. */
  private static Simulation extended(
      long seed, boolean trace, SimWitness.Kind kind, Timings timings, String replayKind) {
    boolean failsafe = Math.floorMod(seed >> 2, 4L) != 0; // three in four with the failsafe
    Simulation.Builder b =
        Simulation.builder(seed)
            .agents(2 + (int) Math.floorMod(seed >> 4, 2L))
            .maxDriftPpm(10_000)
            .witnessKind(kind)
            .trace(trace)
            .settings(s -> s.witnessOutageFailsafe(failsafe))
            .replayKind(replayKind);
    if (timings != null) {
      b.timings(timings)
          .witness(WitnessSettings.builder().grace(timings.witnessGrace()).build())
          .effects(EffectTimings.FAST_PBX);
    }
    Simulation sim = b.build();
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

  @Property(tries = 200, shrinking = ShrinkingMode.OFF)
  void neverTwoSitesServingUnderEveryFaultAtTheFastProfile(@ForAll long seed) {
    SafetyProperties.assertSafe(extendedFast(seed, false));
  }
}
