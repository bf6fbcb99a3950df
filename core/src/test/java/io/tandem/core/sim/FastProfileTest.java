package io.tandem.core.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.agent.Decision;
import io.tandem.core.agent.ReasonCode;
import io.tandem.core.config.Timings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 17.1: the {@code fast} profile ({@link Timings#fast()}) serves a lost site's calls
 * elsewhere in p50 ≤ 1 s, on the link it is meant for (20 ms round trip, {@link
 * TimingsBench.Net#LAN}), measured as {@code scripts/bench-timings} does (the same code): from the
 * crash of the serving site to the other site's verified service, with the runbook durations the
 * bench uses (0.2–0.6 s, {@link TimingsBench#ORCHESTRATION}). The simulation is deterministic, so
 * the goal is asserted as it stands; the allowance is on the per-run design bound below.
 */
class FastProfileTest {

  @Test
  void aLostSiteIsServedElsewhereWithinASecondAtTheMedian() {
    Timings t = Timings.fast();
    List<Long> rtos = TimingsBench.siteLossRtos(t, 40, TimingsBench.Net.LAN, 0);

    assertThat(rtos).as("nobody serving before the fault").doesNotContain(-1L);
    assertThat(TimingsBench.pct(rtos, 0.5)).as("p50 of %s", rtos).isLessThanOrEqualTo(1_000);
    // every run within the design bound: the ticket runs out (TTL after the last renewal reached
    // the witness), the grace, the standby's next tick, the runbook's longest (600 ms); allowance:
    // two round trips (the last renewal's way there, the acquire's way and answer) and a tick.
    long roundTrip = 2 * TimingsBench.Net.LAN.maxDelayMs();
    long bound =
        t.ticketTtl().plus(t.witnessGrace()).plus(t.tick().multipliedBy(2)).toMillis()
            + 600
            + 2 * roundTrip;
    assertThat(rtos).allSatisfy(ms -> assertThat(ms).isBetween(0L, bound));
  }

  @Test
  void aLossOfOnePercentStillServesWithinTheBound() {
    Timings t = Timings.fast();
    List<Long> rtos = TimingsBench.siteLossRtos(t, 40, TimingsBench.Net.LAN, 0.01);

    assertThat(rtos).as("nobody serving before the fault").doesNotContain(-1L);
    assertThat(TimingsBench.pct(rtos, 0.5)).as("p50 of %s", rtos).isLessThanOrEqualTo(1_000);
  }

  /**
   * A standby whose asks go unanswered for 300 ms (a busy host's threads waiting for a CPU, a
   * datagram or two lost) still reaches the witness: a gap shorter than the shortest ticket is not
   * an outage, and at {@code fast} the poll interval plus the retry timeout is only 200 ms. A real
   * outage (1.5 s) still is one.
   */
  @Test
  void aStandbyKeepsTheWitnessThroughAGapShorterThanAnyTicket() {
    Simulation sim = TimingsBench.lossy(7, Timings.fast(), TimingsBench.Net.LAN).build();
    sim.startAll();
    sim.runFor(Duration.ofSeconds(10));
    assertThat(sim.servingNow()).as(sim.report()).hasSize(1);
    SimAgent standby =
        sim.agents().stream().filter(a -> !sim.servingNow().contains(a.site)).findFirst().get();

    int from = standby.decisions.size();
    sim.network().connect(standby.site, SimWitness.NAME, false);
    sim.runFor(Duration.ofMillis(300));
    sim.network().connect(standby.site, SimWitness.NAME, true);
    sim.runFor(Duration.ofSeconds(2));
    assertThat(standby.decisions.subList(from, standby.decisions.size()))
        .extracting(Decision::reason)
        .doesNotContain(ReasonCode.WITNESS_UNREACHABLE);

    int outage = standby.decisions.size();
    sim.network().connect(standby.site, SimWitness.NAME, false);
    sim.runFor(Duration.ofMillis(1500));
    assertThat(standby.decisions.subList(outage, standby.decisions.size()))
        .extracting(Decision::reason)
        .contains(ReasonCode.WITNESS_UNREACHABLE);
    assertThat(sim.violation()).as(sim.report()).isNull();
  }
}
