package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;

import java.util.SplittableRandom;

/**
 * How long a simulated site's effects take, and how often a fence times out. An activation (the
 * failover runbook: addresses, DNS, trunks, verification) takes {@code activationMin..Max}; a fence
 * ("stop new calls", drop the address) takes {@code fenceMin..Max}, except that with {@code
 * fenceTimeoutRate} it does not answer within its budget: the agent is told {@code UNKNOWN} at the
 * budget, and the PBX really stops only {@code 0..lateStopMax} after that (a slow AMI answer) — or,
 * with {@code wedgedRate} of those, not at all until a later fence gets through.
 *
 * @param activationMinNanos shortest activation
 * @param activationMaxNanos longest activation
 * @param fenceMinNanos shortest fence
 * @param fenceMaxNanos longest fence that answers in time (must stay below the budget)
 * @param fenceTimeoutRate share of fences that time out
 * @param lateStopMaxNanos how long after the budget a timed-out fence may still land
 * @param wedgedRate share of timed-out fences that never land
 */
record EffectTimings(
    long activationMinNanos,
    long activationMaxNanos,
    long fenceMinNanos,
    long fenceMaxNanos,
    double fenceTimeoutRate,
    long lateStopMaxNanos,
    double wedgedRate) {

  /** Instantaneous and always successful: the protocol alone, as the first simulation judged it. */
  static final EffectTimings INSTANT = new EffectTimings(0, 0, 0, 0, 0, 0, 0);

  /**
   * The default: activations 0.2–3 s, fences 5–400 ms, 5 % of fences time out and land up to one
   * budget later, none wedged (a wedged PBX needs a remote fence: named scenarios cover it).
   */
  static final EffectTimings REALISTIC =
      new EffectTimings(SECOND / 5, 3 * SECOND, 5_000_000L, 400_000_000L, 0.05, 1 * SECOND, 0);

  long activation(SplittableRandom r) {
    return between(r, activationMinNanos, activationMaxNanos);
  }

  long fence(SplittableRandom r) {
    return between(r, fenceMinNanos, fenceMaxNanos);
  }

  private static long between(SplittableRandom r, long min, long max) {
    return max > min ? min + r.nextLong(max - min + 1) : min;
  }
}
