package io.tandem.core.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.config.Timings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 17.1, the lossy site-loss p99 (rto.md): at 20 % loss each way and 150 ms RTT the standby
 * sent one acquire at a time and waited the whole retry timeout (500 ms) for each, so every lost
 * acquire or answer cost half a second and more; at 36 % round-trip loss four in a row (p99) cost
 * two seconds. Measured as {@code bench-timings} measures a site loss (crash of the serving site at
 * a random phase → the other site's verified service), on the soak's network with the product's
 * datagram client ({@link LossyLinkFalseFenceTest#SOAK}, {@link SimDatagramLink}).
 */
class LossyAcquireTest {

  static final int RUNS = Integer.getInteger("tandem.acquire.runs", 100);

  /**
   * A cluster on the soak's network with the product's datagram client, started and settled, for a
   * site-loss run: null if nobody serves before the fault (a liveness failure the caller counts).
   */
  static Simulation settledOnTheSoaksNetwork(long seed, Timings t, SimWitness.Kind kind) {
    Simulation sim =
        TimingsBench.lossy(seed, t, LossyLinkFalseFenceTest.SOAK)
            .witnessKind(kind)
            .dispatchLatency(LossyLinkFalseFenceTest.DISPATCH)
            .strictWitnessClient(true)
            .build();
    TimingsBench.lose(sim, LossyLinkFalseFenceTest.SOAK.loss());
    sim.startAll();
    TimingsBench.settle(sim);
    return sim.servingNow().size() == 1 ? sim : null;
  }

  static List<Long> rtos(Timings t, int runs) {
    List<Long> out = new ArrayList<>();
    for (long seed = 2_000; seed < 2_000 + runs; seed++) {
      Simulation sim = settledOnTheSoaksNetwork(seed, t, SimWitness.Kind.BUILT_IN);
      if (sim == null) {
        out.add(-1L);
        continue;
      }
      String active = sim.servingNow().iterator().next();
      String other = active.equals("site-0") ? "site-1" : "site-0";
      sim.runFor(Duration.ofNanos(sim.random().nextLong(t.renewInterval().toNanos())));
      long fault = sim.now();
      sim.agent(active).crash();
      sim.runFor(Duration.ofSeconds(30));
      assertThat(sim.violation()).as(sim.report()).isNull();
      long up = TimingsBench.firstVerified(sim.agent(other), fault);
      out.add(up < 0 ? Long.MAX_VALUE : (up - fault) / 1_000_000);
    }
    Collections.sort(out);
    return out;
  }

  @Test
  void aLostSiteOnALossyLinkIsServedElsewhereWithinTheBoundAtP99() {
    Timings t = Timings.defaults();
    List<Long> rtos = rtos(t, RUNS);
    System.out.printf(
        java.util.Locale.ROOT,
        "lossy site loss: p50 %d ms, p99 %d ms over %d runs: %s%n",
        TimingsBench.pct(rtos, 0.5),
        TimingsBench.pct(rtos, 0.99),
        rtos.size(),
        rtos);
    assertThat(rtos).doesNotContain(-1L);
    // design bound: the witness's ticket runs out (TTL after the last renewal reached it, which
    // may be a renew interval after the crash), the grace, the standby's next tick, the acquire's
    // round trip, the runbook's longest (600 ms): 3.15 s; allowance: one acquire window lost to
    // the loss (retry timeout + tick, 0.6 s) and a renew interval (0.3 s). Before the resends p99
    // was 6.8 s: each lost acquire or answer cost the whole retry timeout.
    long bound =
        t.ticketTtl()
                .plus(t.renewInterval())
                .plus(t.witnessGrace())
                .plus(t.tick())
                .plus(t.retryTimeout())
                .plus(t.tick())
                .plus(t.renewInterval())
                .toMillis()
            + 600
            + 2 * LossyLinkFalseFenceTest.SOAK.maxDelayMs();
    assertThat(TimingsBench.pct(rtos, 0.99)).as("p99 of %s", rtos).isLessThanOrEqualTo(bound);
  }
}
