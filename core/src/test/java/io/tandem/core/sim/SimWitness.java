package io.tandem.core.sim;

import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.InMemoryWitnessStateStore;
import io.tandem.core.witness.SiteAuthenticator;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.WitnessSettings;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in witness in the simulation: real {@link BuiltInWitness} logic on an in-memory store
 * that survives restarts, a drifting wall clock, and an up/down switch. Records every grant so the
 * epoch property can be checked.
 */
final class SimWitness {

  static final String NAME = "witness";
  private static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");

  record Grant(long trueNanos, String site, long epoch) {}

  private final EventScheduler scheduler;
  private final NodeClock clock;
  private final WitnessSettings settings;
  private final InMemoryWitnessStateStore store = new InMemoryWitnessStateStore();
  private final List<Grant> grants = new ArrayList<>();
  private BuiltInWitness witness;
  private boolean up = true;
  private int restarts;

  SimWitness(EventScheduler scheduler, NodeClock clock, WitnessSettings settings) {
    this.scheduler = scheduler;
    this.clock = clock;
    this.settings = settings;
    this.witness = newWitness();
  }

  private BuiltInWitness newWitness() {
    Clock wall =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return BASE.plusNanos(clock.local(scheduler.now()));
          }
        };
    // The simulated witness times tickets on its node clock (monotonic); agent-core may give it a
    // separate wall clock to model wall-clock steps.
    return new BuiltInWitness(
        settings, wall, () -> clock.local(scheduler.now()), store, SiteAuthenticator.inProcess());
  }

  boolean up() {
    return up;
  }

  void down() {
    up = false;
  }

  /** Start again from the persisted store (a new process). */
  void restart() {
    witness = newWitness();
    up = true;
    restarts++;
  }

  int restarts() {
    return restarts;
  }

  TicketResult acquire(TicketRequest r) {
    TicketResult result = witness.acquire(r);
    if (result.granted()) {
      grants.add(new Grant(scheduler.now(), r.site(), result.ticket().epoch()));
    }
    return result;
  }

  TicketResult renew(TicketRequest r) {
    return witness.renew(r);
  }

  java.util.Optional<io.tandem.core.witness.Ticket> observe(String cluster) {
    return witness.observe(cluster);
  }

  void release(String cluster, String site, long epoch) {
    witness.release(cluster, site, epoch);
  }

  List<Grant> grants() {
    return grants;
  }
}
