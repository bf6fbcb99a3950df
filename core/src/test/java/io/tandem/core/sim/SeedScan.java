package io.tandem.core.sim;

/** Scans chaos seeds and prints those that violate safety: {@code SeedScan <from> <to> [kind]}. */
public final class SeedScan {

  private SeedScan() {}

  public static void main(String[] args) {
    long from = Long.parseLong(args[0]);
    long to = Long.parseLong(args[1]);
    String kind = args.length > 2 ? args[2] : "chaos";
    long t0 = System.nanoTime();
    int bad = 0;
    for (long seed = from; seed < to; seed++) {
      Simulation sim =
          switch (kind) {
            case "chaos" -> SafetyProperties.chaos(seed, true, false);
            case "chaos-no-failsafe" -> SafetyProperties.chaos(seed, false, false);
            case "failsafe-stress" -> LivenessProperties.failsafeStress(seed, false);
            default -> throw new IllegalArgumentException(kind);
          };
      if (sim.violation() != null || sim.epochViolation() != null) {
        bad++;
        System.out.println(seed + ": " + sim.violation() + " / " + sim.epochViolation());
      }
    }
    System.out.printf(
        "%d violations in %d schedules, %.1f s%n", bad, to - from, (System.nanoTime() - t0) / 1e9);
  }
}
