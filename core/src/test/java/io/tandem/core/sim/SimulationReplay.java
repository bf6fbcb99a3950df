package io.tandem.core.sim;

/**
 * Replays one seeded schedule with a full decision trace: {@code SimulationReplay <seed>
 * [chaos|chaos-no-failsafe|witness-outage|failsafe-stress|extended|extended-fast|healthy-primary|
 * primary-dies]}. Prints the fault log, every decision of every site, the serving timeline and the
 * verdict. Run it from the IDE, or through {@link SimulationReplayTest} with the command a failing
 * seed prints ({@link Simulation#replayCommand}).
 */
public final class SimulationReplay {

  private SimulationReplay() {}

  public static void main(String[] args) {
    long seed =
        Long.parseLong(args.length > 0 ? args[0] : System.getProperty("tandem.sim.seed", "1"));
    String kind = args.length > 1 ? args[1] : "chaos";
    Simulation sim = run(seed, kind);
    sim.fullTrace().forEach(System.out::println);
    System.out.println(sim.report());
    System.out.println(
        sim.violation() == null && sim.epochViolation() == null
            ? "SAFE"
            : "VIOLATION: " + sim.violation() + " / " + sim.epochViolation());
  }

  /** Run schedule {@code kind} for {@code seed} with tracing on; liveness failures throw. */
  static Simulation run(long seed, String kind) {
    return run(seed, kind, true);
  }

  /** Run schedule {@code kind} for {@code seed} without a trace (benchmarks, scans). */
  static Simulation simulate(long seed, String kind) {
    return run(seed, kind, false);
  }

  private static Simulation run(long seed, String kind, boolean trace) {
    return switch (kind) {
      case "chaos" -> SafetyProperties.chaos(seed, true, trace);
      case "chaos-no-failsafe" -> SafetyProperties.chaos(seed, false, trace);
      case "witness-outage" -> LivenessProperties.witnessOutage(seed, trace);
      case "failsafe-stress" -> LivenessProperties.failsafeStress(seed, trace);
      case "extended" -> ExtendedChaosProperties.extended(seed, trace);
      case "extended-fast" -> ExtendedChaosProperties.extendedFast(seed, trace);
      case "healthy-primary" -> LivenessProperties.healthyPrimary(seed, trace);
      case "primary-dies" -> LivenessProperties.primaryDies(seed, trace);
      case "guard-race" -> GuardRaceTest.lossyHealthy(seed, trace);
      default -> throw new IllegalArgumentException("unknown schedule kind " + kind);
    };
  }
}
