package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 17.3, the agent's side: how many requests a cluster sends its witness at the shipped
 * timings. A renewal's answer proves the witness reachable, so the holder only renews (every 300
 * ms); a standby asks every poll interval (500 ms). Before, every site asked on every 100 ms tick
 * without a renewal: about ten requests a second per site.
 */
class WitnessRequestRateTest {

  @Test
  void theHolderOnlyRenewsAndTheStandbyAsksEveryPollInterval() {
    Simulation sim = Simulation.builder(31).agents(2).trace(true).build().startAll();
    sim.runUntil(20 * SECOND);
    assertThat(sim.servingNow()).as(sim.report()).hasSize(1);
    SimAgent holder = sim.agent(sim.servingNow().iterator().next());
    SimAgent standby = sim.agents().stream().filter(a -> a != holder).findFirst().orElseThrow();
    long h0 = holder.holderRequests();
    long s0 = standby.otherRequests();
    sim.runFor(Duration.ofSeconds(60));

    double holderRate = (holder.holderRequests() - h0) / 60.0;
    double standbyRate = (standby.otherRequests() - s0) / 60.0;
    var t = holder.settings;
    double renewals = 1e9 / t.renewInterval().toNanos();
    double polls = 1e9 / t.witnessPollInterval().toNanos();
    // a renewal every renewInterval, an ask every poll interval; 5 % allowance for tick phase
    assertThat(holderRate).as(sim.report()).isBetween(renewals * 0.95, renewals * 1.05);
    assertThat(standbyRate).as(sim.report()).isBetween(polls * 0.9, polls * 1.05);
    assertThat(holderRate + standbyRate).isLessThan(6.0); // was about 20 at a 100 ms tick
    assertThat(sim.violation()).isNull();
  }
}
