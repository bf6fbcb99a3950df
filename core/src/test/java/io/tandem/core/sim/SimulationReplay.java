package io.tandem.core.sim;

/**
 * Replays one chaos schedule with a full trace: {@code SimulationReplay <seed> [failsafe
 * true|false]}. Prints the fault log, every decision of the last minute and the serving timeline.
 */
public final class SimulationReplay {

  private SimulationReplay() {}

  public static void main(String[] args) {
    long seed =
        Long.parseLong(args.length > 0 ? args[0] : System.getProperty("tandem.sim.seed", "1"));
    boolean failsafe = args.length < 2 || Boolean.parseBoolean(args[1]);
    Simulation sim = SafetyProperties.chaos(seed, failsafe, true);
    System.out.println(sim.report());
    System.out.println(
        sim.violation() == null && sim.epochViolation() == null
            ? "SAFE"
            : "VIOLATION: " + sim.violation() + " / " + sim.epochViolation());
  }
}
