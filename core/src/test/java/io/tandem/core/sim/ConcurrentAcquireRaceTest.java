package io.tandem.core.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.agent.Decision;
import io.tandem.core.config.Timings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An agent resends an overdue acquire only to a witness that answers two acquires of one site alike
 * (the built-in witness, rule 2). etcd and Azure Blob grant by a conditional write: the second of
 * two acquires in flight loses the race and is refused with a ticket naming this very site (the
 * strict link models it, citing the adapters). An agent that resent to them took that refusal,
 * stood by, and gave its own grant back ("a late grant ... arrived while standing by"): a site loss
 * on a slow, lossy etcd link then took a whole standby cycle longer.
 */
class ConcurrentAcquireRaceTest {

  @ParameterizedTest
  @EnumSource(
      value = SimWitness.Kind.class,
      names = {"ETCD", "DYNAMODB", "AZURE_BLOB"})
  void noAcquireIsRefusedForRacingItsOwnTwin(SimWitness.Kind kind) {
    Timings t = Timings.defaults();
    for (long seed = 3_000; seed < 3_020; seed++) {
      Simulation sim = LossyAcquireTest.settledOnTheSoaksNetwork(seed, t, kind);
      if (sim == null) {
        continue; // no fault to take over from (counted by LossyAcquireTest's liveness check)
      }
      String active = sim.servingNow().iterator().next();
      String other = active.equals("site-0") ? "site-1" : "site-0";
      sim.agent(active).crash();
      sim.runFor(Duration.ofSeconds(40));
      assertThat(sim.violation()).as(sim.report()).isNull();
      List<String> raced =
          sim.agent(other).decisions.stream()
              .map(Decision::words)
              .filter(w -> w.contains("another site acquired first") || w.contains("lost the race"))
              .toList();
      assertThat(raced).as("seed %d on %s: %s", seed, kind, sim.report()).isEmpty();
      assertThat(TimingsBench.firstVerified(sim.agent(other), 0)).as(sim.report()).isPositive();
    }
  }
}
