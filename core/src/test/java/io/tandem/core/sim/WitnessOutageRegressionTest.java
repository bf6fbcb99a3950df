package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.agent.Decision;
import io.tandem.core.agent.ReasonCode;
import io.tandem.core.config.Timings;
import io.tandem.core.witness.WitnessSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A witness outage alone never takes the service down (the lab's witness-outage bug). With the
 * lab's short timings (4 s ticket, 1 s tick, renewals every tick, 800 ms retry) the active used to
 * see the witness unreachable and its ticket's self-fence due for the first time in one tick; it
 * asked its peers for promises only after a tick that had seen one of them, so that tick found no
 * promise and fenced ("site-1 did not confirm"). The active now keeps fresh promises on every tick
 * while it holds, so the failsafe has them the moment it needs them.
 */
class WitnessOutageRegressionTest {

  /** The lab's cluster file's timings ({@code LabClusterFile.TIMINGS}). */
  static final Timings LAB =
      Timings.builder()
          .tick(Duration.ofSeconds(1))
          .ticketTtl(Duration.ofSeconds(4))
          .renewInterval(Duration.ofSeconds(1))
          .retryTimeout(Duration.ofMillis(800))
          .witnessGrace(Duration.ofSeconds(1))
          .driftMargin(Duration.ofMillis(200))
          .build();

  /**
   * The witness goes down at ten moments spread over one tick, for several seeds: the active serves
   * throughout, on its peers' promises, and nobody else serves.
   */
  @Test
  void theActiveRidesOutAWitnessOutageWhereverInTheTickItStarts() {
    List<String> failures = new ArrayList<>();
    for (long seed = 1; seed <= 8; seed++) {
      for (int tenth = 0; tenth < 10; tenth++) {
        Simulation sim =
            Simulation.builder(seed)
                .agents(2)
                .witness(WitnessSettings.builder().grace(LAB.witnessGrace()).build())
                .settings(b -> b.timings(LAB))
                .build()
                .startAll();
        sim.runUntil(20 * SECOND);
        if (!sim.servingNow().equals(java.util.Set.of("site-0"))) {
          failures.add("seed " + seed + ": site-0 not serving before the outage");
          continue;
        }
        long down = sim.now() + tenth * SECOND / 10;
        sim.at(down, () -> sim.witness().down());
        sim.runFor(Duration.ofSeconds(20));
        SimAgent primary = sim.agent("site-0");
        List<ReasonCode> reasons = primary.decisions.stream().map(Decision::reason).toList();
        if (!sim.servedThroughout("site-0", down, sim.now())
            || !reasons.contains(ReasonCode.FAILSAFE_PEERS_CONFIRMED)
            || !sim.othersServing("site-0", down, sim.now()).isEmpty()
            || sim.violation() != null) {
          failures.add(
              "seed "
                  + seed
                  + ", witness down "
                  + tenth
                  + "/10 into a tick: "
                  + primary.decisions.stream()
                      .filter(
                          d ->
                              d.from() == io.tandem.core.agent.AgentState.ACTIVE
                                  && d.to() != d.from())
                      .map(Decision::words)
                      .findFirst()
                      .orElse("served: " + sim.servingNow()));
        }
      }
    }
    assertThat(failures).isEmpty();
  }
}
