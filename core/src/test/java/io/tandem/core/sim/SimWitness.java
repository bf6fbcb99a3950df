package io.tandem.core.sim;

import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.InMemoryWitnessStateStore;
import io.tandem.core.witness.SiteAuthenticator;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.Witness;
import io.tandem.core.witness.WitnessSettings;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The witness in the simulation: one of the backends ({@link Kind}) on the witness node's drifting
 * clock, with an up/down switch, restarts, and wall-clock steps. The built-in witness is the
 * product's own {@link BuiltInWitness} (tickets timed on its monotonic clock, its wall clock only
 * labels answers); etcd, DynamoDB and Azure Blob are models of how Tandem's adapters use them
 * ({@link WitnessModels}). Records every grant so the epoch property can be checked, and every
 * forced grant, whose overlap the operator acknowledged.
 */
final class SimWitness {

  static final String NAME = "witness";
  private static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");

  /** Which witness backend the cluster uses. */
  enum Kind {
    BUILT_IN,
    ETCD,
    DYNAMODB,
    AZURE_BLOB
  }

  /**
   * A grant. {@code previousTtlNanos}: the TTL of the ticket the previous holder was last granted
   * (0 if none); a lease-based backend (Azure Blob: 15 s at least) may grant longer than asked.
   */
  record Grant(
      long trueNanos,
      String site,
      long epoch,
      boolean forced,
      String previous,
      long previousTtlNanos) {}

  private final EventScheduler scheduler;
  private final NodeClock clock;
  private final WitnessSettings settings;
  private final Kind kind;
  private final WitnessModels.Clocks agentClocks;
  private final InMemoryWitnessStateStore store = new InMemoryWitnessStateStore();
  private final List<Grant> grants = new ArrayList<>();
  private final java.util.Map<String, Long> highestNonce = new java.util.HashMap<>();
  private Witness witness;
  private WitnessModels.Model model;
  private boolean up = true;
  private int restarts;
  private long wallStepNanos;

  SimWitness(
      EventScheduler scheduler,
      NodeClock clock,
      WitnessSettings settings,
      Kind kind,
      WitnessModels.Clocks agentClocks) {
    this.scheduler = scheduler;
    this.clock = clock;
    this.settings = settings;
    this.kind = kind;
    this.agentClocks = agentClocks;
    this.witness = newWitness();
  }

  Kind kind() {
    return kind;
  }

  private long monotonic() {
    return clock.local(scheduler.now());
  }

  private Witness newWitness() {
    if (kind != Kind.BUILT_IN) {
      if (model == null) {
        model = WitnessModels.create(kind, settings, this::monotonic, agentClocks);
      } else {
        model.restart(); // the service keeps its state (etcd, DynamoDB, Blob are durable)
      }
      return model;
    }
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
            return BASE.plusNanos(clock.local(scheduler.now()) + wallStepNanos);
          }
        };
    // tickets timed on the node's monotonic clock; the wall clock, which can step, labels answers
    return new BuiltInWitness(
        settings, wall, this::monotonic, store, SiteAuthenticator.inProcess());
  }

  boolean up() {
    return up;
  }

  void down() {
    up = false;
  }

  /** Start again from the persisted state (a new process). */
  void restart() {
    witness = newWitness();
    up = true;
    restarts++;
  }

  int restarts() {
    return restarts;
  }

  /** Step the witness host's wall clock (NTP correction, an operator's date command). */
  void stepWallClock(long nanos) {
    wallStepNanos += nanos;
    if (model != null) {
      model.stepWallClock(nanos);
    }
  }

  TicketResult acquire(TicketRequest r) {
    Optional<Ticket> before = witness.observe(r.cluster());
    TicketResult result = witness.acquire(r);
    if (result.granted()) {
      String previous =
          before.filter(t -> !t.holder().equals(r.site())).map(Ticket::holder).orElse(null);
      long previousTtl =
          before.filter(t -> !t.holder().equals(r.site())).map(t -> t.ttl().toNanos()).orElse(0L);
      grants.add(
          new Grant(
              scheduler.now(),
              r.site(),
              result.ticket().epoch(),
              r.acknowledgedForce(),
              previous,
              previousTtl));
    }
    return result;
  }

  /**
   * The datagram listener's replay check ({@code WitnessDatagramServer.handle}): a nonce above the
   * highest seen from {@code site} is recorded and passes (-1); any other is answered STALE with
   * the highest seen (returned). Kept across restarts of the witness process in the simulation (the
   * real listener starts from the clock; either way an old nonce is refused).
   */
  long checkNonce(String site, long nonce) {
    long seen = highestNonce.getOrDefault(site, Long.MIN_VALUE);
    if (nonce <= seen) {
      return seen;
    }
    highestNonce.put(site, nonce);
    return -1;
  }

  TicketResult renew(TicketRequest r) {
    return witness.renew(r);
  }

  Optional<Ticket> observe(String cluster) {
    return witness.observe(cluster);
  }

  void release(String cluster, String site, long epoch) {
    witness.release(cluster, site, epoch);
  }

  List<Grant> grants() {
    return grants;
  }
}
