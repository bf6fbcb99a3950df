package io.tandem.core.sim;

/**
 * Replays one seeded schedule with a full decision trace: {@code SimulationReplay <seed>
 * [chaos|chaos-no-failsafe|witness-outage|failsafe-stress]}. Prints the fault log, every decision
 * of every site, the serving timeline and the verdict. Run it from the IDE or with {@code ./mvnw -q
 * -pl core test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.tandem.core.sim.SimulationReplay -Dexec.args="<seed> <kind>"}.
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

  /** Run schedule {@code kind} for {@code seed} with tracing on; liveness failures are printed. */
  static Simulation run(long seed, String kind) {
    return switch (kind) {
      case "chaos" -> SafetyProperties.chaos(seed, true, true);
      case "chaos-no-failsafe" -> SafetyProperties.chaos(seed, false, true);
      case "witness-outage" -> LivenessProperties.witnessOutage(seed, true);
      case "failsafe-stress" -> LivenessProperties.failsafeStress(seed, true);
      default -> throw new IllegalArgumentException("unknown schedule kind " + kind);
    };
  }
}
