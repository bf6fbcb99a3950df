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
 * @param pbxCommandMinNanos shortest single command on an open PBX session: the fence guard's fence
 *     (after its poll found the deadline passed: {@link SimAgent#GUARD_POLL_NANOS}), the runbook's
 *     "PBX accept calls" ({@code SwitchSteps.AcceptCalls}, run in parallel with the switch stage's
 *     other steps)
 * @param pbxCommandMaxNanos longest such command
 */
record EffectTimings(
    long activationMinNanos,
    long activationMaxNanos,
    long fenceMinNanos,
    long fenceMaxNanos,
    double fenceTimeoutRate,
    long lateStopMaxNanos,
    double wedgedRate,
    long pbxCommandMinNanos,
    long pbxCommandMaxNanos) {

  /** One PBX command takes as long as the agent's whole fence. */
  EffectTimings(
      long activationMinNanos,
      long activationMaxNanos,
      long fenceMinNanos,
      long fenceMaxNanos,
      double fenceTimeoutRate,
      long lateStopMaxNanos,
      double wedgedRate) {
    this(
        activationMinNanos,
        activationMaxNanos,
        fenceMinNanos,
        fenceMaxNanos,
        fenceTimeoutRate,
        lateStopMaxNanos,
        wedgedRate,
        fenceMinNanos,
        fenceMaxNanos);
  }

  /** Instantaneous and always successful: the protocol alone, as the first simulation judged it. */
  static final EffectTimings INSTANT = new EffectTimings(0, 0, 0, 0, 0, 0, 0);

  /**
   * The default: activations 0.2–3 s, fences 5–400 ms, 5 % of fences time out and land up to one
   * budget later, none wedged (a wedged PBX needs a remote fence: named scenarios cover it).
   */
  static final EffectTimings REALISTIC =
      new EffectTimings(SECOND / 5, 3 * SECOND, 5_000_000L, 400_000_000L, 0.05, 1 * SECOND, 0);

  /**
   * The same, but one PBX command takes {@code min..max}. The guard's fence is one call on a PBX
   * session it logged in to at start ({@code PbxControl.stopNewCalls}: an AMI {@code Setvar}, an
   * ESL {@code fsctl pause inbound}), not the agent's whole fence (trunks, addresses); "accept
   * calls" is the same call with the other value: on this host one took p50 0.08 ms, p99.9 5.4 ms,
   * at most 6.4 ms in 2,000 calls at load 5 ({@code FenceCallBench} in onprem, against the AMI
   * simulator).
   */
  EffectTimings withPbxCommand(long min, long max) {
    return new EffectTimings(
        activationMinNanos,
        activationMaxNanos,
        fenceMinNanos,
        fenceMaxNanos,
        fenceTimeoutRate,
        lateStopMaxNanos,
        wedgedRate,
        min,
        max);
  }

  /**
   * What the {@code fast} profile's sweep assumes (ADR 0007): activations and the agent's fences as
   * {@link #REALISTIC}, one PBX command (the guard's fence, "accept calls") 1–100 ms — fifteen
   * times the longest measured — the guard's on top of its 50 ms poll.
   */
  static final EffectTimings FAST_PBX = REALISTIC.withPbxCommand(1_000_000L, 100_000_000L);

  long pbxCommand(SplittableRandom r) {
    return between(r, pbxCommandMinNanos, pbxCommandMaxNanos);
  }

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
