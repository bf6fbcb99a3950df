package io.tandem.core.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.agent.Decision;
import io.tandem.core.agent.ReasonCode;
import io.tandem.core.agent.effects.ActivationCause;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Priority holds at a cold start (issue 18.2): both agents started together, the lower-priority one
 * finishing its start-up a few seconds earlier, must not take the service while the preferred site
 * is healthy and still in its start-up hold; it waits (within a bound) and the preferred site's
 * first activation is a {@link ActivationCause.FirstActivation}. A preferred site that never
 * finishes starting does not keep the service down past the bound.
 */
class ColdStartPriorityTest {

  /** Half the start-up hold: the backup is ready while the preferred site is still in its hold. */
  private static long offset(Simulation sim) {
    return sim.agent("site-0").settings.startupHold().toNanos() / 2;
  }

  @Test
  void theBackupReadyEarlierLetsTheStartingPreferredSiteActivate() {
    for (long seed = 1; seed <= 5; seed++) {
      Simulation sim = Simulation.builder(seed).agents(2).trace(true).build();
      sim.agent("site-1").start(0);
      sim.at(sim.now() + offset(sim), () -> sim.agent("site-0").start(0));
      sim.runFor(Duration.ofSeconds(40));

      SimAgent preferred = sim.agent("site-0");
      SimAgent backup = sim.agent("site-1");
      assertThat(sim.servingNow()).as(sim.report()).containsExactly("site-0");
      assertThat(backup.decisions)
          .as(sim.report())
          .noneMatch(d -> d.reason() == ReasonCode.ACQUIRING)
          .anySatisfy(
              d -> {
                assertThat(d.reason()).isEqualTo(ReasonCode.DEFER_TO_PREFERRED);
                assertThat(d.words())
                    .matches(
                        "no action: site-0 is preferred and still starting \\(healthy\\);"
                            + " waiting up to [0-9.]+ s more before acquiring");
              });
      assertThat(preferred.activations).hasSize(1);
      assertThat(preferred.activations.getFirst().cause())
          .isEqualTo(new ActivationCause.FirstActivation());
      assertThat(sim.violation()).isNull();
    }
  }

  @Test
  void aPreferredSiteStuckInStartUpIsWaitedForOnlyWithinTheBound() {
    Simulation sim = Simulation.builder(7).agents(2).trace(true).build();
    SimAgent preferred = sim.agent("site-0");
    boolean[] timeouts = new boolean[60];
    java.util.Arrays.fill(timeouts, true);
    preferred.nextFencesTimeOut(timeouts); // its start-up fence never confirms
    sim.agent("site-1").start(0);
    sim.at(sim.now() + offset(sim), () -> preferred.start(0));
    sim.runFor(Duration.ofSeconds(60));

    SimAgent backup = sim.agent("site-1");
    assertThat(backup.decisions).anyMatch(d -> d.reason() == ReasonCode.DEFER_TO_PREFERRED);
    long deferrals =
        backup.decisions.stream().filter(d -> d.reason() == ReasonCode.DEFER_TO_PREFERRED).count();
    // at most startupHold + two report timeouts (2.7 s at the defaults), one decision a tick
    var t = backup.settings;
    long bound =
        t.startupHold().plus(t.peerReportTimeout().multipliedBy(2)).toNanos() / t.tick().toNanos();
    assertThat(deferrals).as(sim.report()).isBetween(bound - 2, bound + 2);
    assertThat(sim.servingNow()).as(sim.report()).containsExactly("site-1");
    assertThat(backup.decisions.stream().map(Decision::reason)).contains(ReasonCode.TICKET_GRANTED);
  }
}
