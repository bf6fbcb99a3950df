package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;

import java.time.Duration;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;

/**
 * Availability properties on seeded schedules (drifting clocks, random delays). Each failure
 * message carries the seed; replay with {@code @Property(seed = ...)} or {@link SimulationReplay}.
 */
class LivenessProperties {

  private static final long TTL = 10 * SECOND;
  private static final long GRACE = 2 * SECOND;
  private static final long TICK = SECOND;

  /** The longest simulated activation: a site serves only once its activation completed. */
  private static final long ACTIVATION = EffectTimings.REALISTIC.activationMaxNanos();

  private static String fail(Simulation sim, String what) {
    return what + "\n" + sim.report();
  }

  /** The one site serving at the current instant (asserts there is exactly one). */
  private static String soleServer(Simulation sim) {
    Set<String> s = sim.servingNow();
    if (s.size() != 1) {
      throw new AssertionError(fail(sim, "expected one site serving, was " + s));
    }
    return s.iterator().next();
  }

  private static void assertSafe(Simulation sim) {
    SafetyProperties.assertSafe(sim);
  }

  /** A healthy primary that reaches the witness is never failed over, even with 20 % loss. */
  @Property(tries = 400, shrinking = ShrinkingMode.OFF)
  void healthyReachablePrimaryIsNeverFailedOver(@ForAll long seed) {
    healthyPrimary(seed, false);
  }

  /** Schedule for {@link #healthyReachablePrimaryIsNeverFailedOver}; throws if it fails. */
  static Simulation healthyPrimary(long seed, boolean trace) {
    Simulation sim =
        Simulation.builder(seed)
            .agents(2 + (int) Math.floorMod(seed, 2L))
            .maxDriftPpm(10_000)
            .trace(trace)
            .replayKind("healthy-primary")
            .build();
    for (SimAgent a : sim.agents()) {
      for (SimAgent b : sim.agents()) {
        if (a != b) {
          sim.network().loss(a.site, b.site, 0.20);
        }
      }
    }
    sim.startAll();
    sim.runUntil(30 * SECOND);
    String primary = soleServer(sim);
    long from = sim.now();
    sim.runUntil(180 * SECOND);
    assertSafe(sim);
    if (!sim.servedThroughout(primary, from, sim.now())
        || !sim.othersServing(primary, from, sim.now()).isEmpty()) {
      throw new AssertionError(
          fail(sim, primary + " was failed over although healthy and reachable"));
    }
    return sim;
  }

  /**
   * When the primary dies, a healthy standby that reaches the witness serves within TTL + grace + 2
   * ticks, plus the time its activation takes.
   */
  @Property(tries = 400, shrinking = ShrinkingMode.OFF)
  void standbyServesWithinBoundAfterPrimaryDies(@ForAll long seed) {
    primaryDies(seed, false);
  }

  /** Schedule for {@link #standbyServesWithinBoundAfterPrimaryDies}; throws if it fails. */
  static Simulation primaryDies(long seed, boolean trace) {
    Simulation sim =
        Simulation.builder(seed)
            .agents(2 + (int) Math.floorMod(seed, 2L))
            .maxDriftPpm(10_000)
            .trace(trace)
            .replayKind("primary-dies")
            .build();
    sim.startAll();
    long crashAt = 25 * SECOND + sim.random().nextLong(40 * SECOND);
    sim.runUntil(crashAt);
    String primary = soleServer(sim);
    sim.agent(primary).crash();
    sim.runFor(Duration.ofSeconds(40));
    assertSafe(sim);
    long served = sim.firstServing(null, crashAt);
    long bound = TTL + GRACE + 2 * TICK + ACTIVATION;
    if (served < 0 || served - crashAt > bound) {
      throw new AssertionError(
          fail(
              sim,
              String.format(
                  "after %s died at %.3f s nobody served within %.1f s (first: %.3f s)",
                  primary, crashAt / 1e9, bound / 1e9, served / 1e9)));
    }
    return sim;
  }

  /**
   * With the witness down (and restarted later) and every site healthy and connected, the active
   * site keeps serving through the failsafe and no other site starts serving.
   */
  @Property(tries = 400, shrinking = ShrinkingMode.OFF)
  void activeKeepsServingThroughWitnessOutage(@ForAll long seed) {
    witnessOutage(seed, false);
  }

  /** Schedule for {@link #activeKeepsServingThroughWitnessOutage}; throws if the property fails. */
  static Simulation witnessOutage(long seed, boolean trace) {
    Simulation sim =
        Simulation.builder(seed)
            .agents(2 + (int) Math.floorMod(seed, 2L))
            .maxDriftPpm(10_000)
            .trace(trace)
            .replayKind("witness-outage")
            .build();
    sim.startAll();
    long downAt = 25 * SECOND + sim.random().nextLong(40 * SECOND);
    long restartAt = downAt + 20 * SECOND + sim.random().nextLong(80 * SECOND);
    sim.at(downAt, sim.witness()::down);
    sim.at(restartAt, sim.witness()::restart);
    sim.runUntil(downAt);
    String active = soleServer(sim);
    sim.runUntil(restartAt + 40 * SECOND);
    assertSafe(sim);
    if (!sim.servedThroughout(active, downAt, sim.now())
        || !sim.othersServing(active, downAt, sim.now()).isEmpty()) {
      throw new AssertionError(fail(sim, active + " stopped serving, or another site served"));
    }
    return sim;
  }

  /**
   * Failsafe under attack: the active site loses the witness (which the standbys still reach) while
   * the standbys crash, restart and their links to the active lose, flap and break one way. Peer
   * reports time out after 1.1 ticks here, so the promises alone keep the standbys away.
   */
  @Property(tries = 800, shrinking = ShrinkingMode.OFF)
  void failsafeStaysSafeWhenStandbysMisbehave(@ForAll long seed) {
    assertSafe(failsafeStress(seed, false));
  }

  static Simulation failsafeStress(long seed, boolean trace) {
    Simulation sim =
        Simulation.builder(seed)
            .agents(2 + (int) Math.floorMod(seed, 2L))
            .maxDriftPpm(10_000)
            .trace(trace)
            .settings(b -> b.peerReportTimeout(Duration.ofMillis(1100)))
            .replayKind("failsafe-stress")
            .build();
    Chaos.failsafeStress(sim, 200 * SECOND);
    sim.startAll();
    sim.runUntil(220 * SECOND);
    return sim;
  }
}
