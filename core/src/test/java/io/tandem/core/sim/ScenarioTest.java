package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.agent.Decision;
import io.tandem.core.agent.ReasonCode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The classic failure cases, each in one deterministic simulation; asserts reason codes. */
class ScenarioTest {

  private static Simulation started(Simulation.Builder b) {
    Simulation sim = b.trace(true).build().startAll();
    sim.runUntil(20 * SECOND);
    assertThat(sim.servingNow()).as(sim.report()).containsExactly("site-0");
    return sim;
  }

  private static boolean decided(SimAgent a, ReasonCode code) {
    return a.decisions.stream().anyMatch(d -> d.reason() == code);
  }

  private static List<ReasonCode> reasons(SimAgent a) {
    return a.decisions.stream().map(Decision::reason).distinct().toList();
  }

  @Test
  void preferredSiteBecomesActiveAfterStartupHold() {
    Simulation sim = started(Simulation.builder(1).agents(3));
    SimAgent primary = sim.agent("site-0");
    assertThat(reasons(primary))
        .contains(ReasonCode.STARTUP_HOLD, ReasonCode.STARTED, ReasonCode.TICKET_GRANTED);
    assertThat(primary.decisions.getLast().reason()).isEqualTo(ReasonCode.HOLDING_TICKET);
    assertThat(primary.decisions.getLast().words()).startsWith("no action: holding ticket epoch 1");
    assertThat(sim.agent("site-1").decisions.getLast().reason())
        .isIn(ReasonCode.PEER_ACTIVE, ReasonCode.DEFER_TO_PREFERRED);
    assertThat(sim.violation()).isNull();
  }

  @Test
  void primaryCrashFailsOverWithinTtlPlusGrace() {
    Simulation sim = started(Simulation.builder(2).agents(2));
    long crash = sim.now();
    sim.agent("site-0").crash();
    sim.runFor(Duration.ofSeconds(30));
    long served = sim.firstServing("site-1", crash);
    assertThat(served).as(sim.report()).isPositive();
    assertThat(served - crash).isLessThanOrEqualTo((10 + 2 + 2) * SECOND);
    assertThat(reasons(sim.agent("site-1")))
        .contains(ReasonCode.TICKET_REFUSED, ReasonCode.TICKET_GRANTED);
    assertThat(sim.violation()).as(sim.report()).isNull();
  }
}
