package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.agent.ReasonCode;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The classic cases on every witness backend's semantics (issue 13.3): a cold start activates the
 * preferred site, a crashed primary is taken over within the backend's own bound, a switchover
 * hands over, and a forward step of the witness's wall clock by 2×TTL changes nothing (every
 * backend times tickets on a clock no step moves).
 */
class WitnessKindsScenarioTest {

  /** The longest the backend lets a dead holder's ticket linger before another may take it. */
  private static long takeoverBound(SimWitness.Kind kind) {
    long activation = EffectTimings.REALISTIC.activationMaxNanos();
    long ticks = 2 * SECOND;
    return switch (kind) {
      // TTL 10 s + grace 2 s, measured by the witness
      case BUILT_IN -> 12 * SECOND + ticks + activation;
      // the lease is ttl + grace rounded up to whole seconds
      case ETCD -> 13 * SECOND + ticks + activation;
      // a contender waits TTL + grace from the first time it saw the last write
      case DYNAMODB -> 12 * SECOND + 2 * ticks + activation;
      // a blob lease lasts 15 s at least, then grace on the contender's wall clock
      case AZURE_BLOB -> 17 * SECOND + ticks + activation;
    };
  }

  private static Simulation started(long seed, SimWitness.Kind kind) {
    Simulation sim =
        Simulation.builder(seed).classicTimings().agents(2).witnessKind(kind).trace(true).build();
    sim.startAll();
    sim.runUntil(25 * SECOND);
    assertThat(sim.servingNow()).as(sim.report()).containsExactly("site-0");
    return sim;
  }

  @ParameterizedTest
  @EnumSource(SimWitness.Kind.class)
  void aCrashedPrimaryIsTakenOverWithinTheBackendsBound(SimWitness.Kind kind) {
    Simulation sim = started(71, kind);
    long crash = sim.now();
    sim.agent("site-0").crash();
    sim.runFor(Duration.ofSeconds(40));
    long served = sim.firstServing("site-1", crash);
    assertThat(served).as(sim.report()).isPositive();
    assertThat(served - crash).as(sim.report()).isLessThanOrEqualTo(takeoverBound(kind));
    assertThat(sim.violation()).isNull();
    assertThat(sim.epochViolation()).isNull();
  }

  @ParameterizedTest
  @EnumSource(SimWitness.Kind.class)
  void aSwitchoverHandsOverOnEveryBackend(SimWitness.Kind kind) {
    Simulation sim = started(72, kind);
    sim.agent("site-0").command(new io.tandem.core.agent.OperatorCommand.Switchover("site-1"));
    sim.runFor(Duration.ofSeconds(20));
    assertThat(sim.servingNow()).as(sim.report()).containsExactly("site-1");
    assertThat(sim.agent("site-1").decisions)
        .anyMatch(d -> d.reason() == ReasonCode.SWITCHOVER_TARGET_ACQUIRING);
    assertThat(sim.violation()).isNull();
  }

  @ParameterizedTest
  @EnumSource(SimWitness.Kind.class)
  void aWitnessWallClockStepOfTwoTtlsChangesNothing(SimWitness.Kind kind) {
    for (long step : new long[] {20 * SECOND, -20 * SECOND}) {
      Simulation sim = started(73, kind);
      long from = sim.now();
      sim.witness().stepWallClock(step);
      sim.runFor(Duration.ofSeconds(60));
      assertThat(sim.servedThroughout("site-0", from, sim.now())).as(sim.report()).isTrue();
      assertThat(sim.othersServing("site-0", from, sim.now())).isEmpty();
    }
  }
}
