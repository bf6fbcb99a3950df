package io.tandem.core.sim;

import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.Witness;
import io.tandem.core.witness.WitnessSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Models of the external witnesses as Tandem's adapters use them, for the simulation. Each follows
 * the adapter's documented contract (its class Javadoc, cited below), which in turn follows the
 * service's own: the simulation checks the protocol against these semantics, not the SDK calls.
 *
 * <ul>
 *   <li>{@code onprem/.../etcd/EtcdWitness}: a holder key on a lease of {@code ttl + grace} whole
 *       seconds, timed by the etcd leader; valid while more than {@code grace} remains; etcd
 *       deletes the key when the lease ends; a renewal is a keep-alive; a restarted leader resets
 *       every lease to its full TTL.
 *   <li>{@code cloud-aws/.../DynamoDbWitness}: a lease by observation (as Kubernetes leader
 *       election): every write bumps {@code rev}; a contender takes a held ticket only after it has
 *       seen the same {@code rev} for TTL + grace on its own monotonic clock.
 *   <li>{@code cloud-azure/.../BlobLeaseWitness}: a blob lease of 15–60 s timed by the storage
 *       service; after it lapsed, another site may take it only once the recorded expiry (the
 *       holder's wall clock) plus grace has passed on its own wall clock (sites on NTP).
 * </ul>
 *
 * Common to all: epochs only grow and an acquire lifts the counter past any presented epoch; a
 * forced acquire needs the operator's acknowledgement; only a healthy requester may take the ticket
 * from nobody or from another site unless forced; refusals are answers.
 */
final class WitnessModels {

  private static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");

  private WitnessModels() {}

  /** The clocks of the agents, read when a request reaches the service. */
  interface Clocks {
    /** The site's monotonic clock (its own, as its adapter would read it). */
    long monotonic(String site);

    /** The site's wall clock (NTP-synchronised: drift and a small skew, no offset). */
    long wall(String site);
  }

  /** A witness backend model: a {@link Witness} the simulation can restart and step. */
  interface Model extends Witness {
    /** The service restarts (a new leader, a failover): its durable state stays. */
    void restart();

    /** The witness host's wall clock steps; these services time leases on their own. */
    default void stepWallClock(long nanos) {}
  }

  static Model create(
      SimWitness.Kind kind, WitnessSettings settings, LongSupplier now, Clocks agents) {
    return switch (kind) {
      case ETCD -> new Etcd(settings, now);
      case DYNAMODB -> new Dynamo(settings, agents);
      case AZURE_BLOB -> new Blob(settings, now, agents);
      case BUILT_IN -> throw new IllegalArgumentException("the built-in witness is the product's");
    };
  }

  /** The state every model keeps: the epoch counter and the recorded holder. */
  private abstract static class Base implements Model {
    final WitnessSettings settings;
    long epoch;
    String holder;
    long holderEpoch;
    Duration ttl = Duration.ZERO;

    Base(WitnessSettings settings) {
      this.settings = settings;
    }

    Ticket ticket(long expiryNanos) {
      return holder == null
          ? null
          : new Ticket(Simulation.CLUSTER, holder, holderEpoch, BASE.plusNanos(expiryNanos), ttl);
    }

    abstract Ticket current();

    /** A refusal common to all, or null. */
    TicketResult precheck(TicketRequest r) {
      epoch = Math.max(epoch, r.epoch()); // lift past any presented epoch
      if (r.force() && !r.acknowledgedForce()) {
        return TicketResult.refused(current(), r.unacknowledgedForceRefusal());
      }
      if (!r.force() && !r.healthy() && !r.site().equals(holder)) {
        return TicketResult.refused(current(), "refused: " + r.site() + " reports unhealthy");
      }
      return null;
    }

    TicketResult grantNew(TicketRequest r, long expiryNanos) {
      epoch++;
      holder = r.site();
      holderEpoch = epoch;
      ttl = r.ttl();
      return TicketResult.granted(ticket(expiryNanos), "granted epoch " + epoch);
    }

    /** The answer to a forced acquire that preempted (or already preempts) the holder. */
    TicketResult forcedWait(long waitNanos) {
      return TicketResult.refused(
          current(), TicketRequest.forcedWaitRefusal(holder, Duration.ofNanos(waitNanos)));
    }

    boolean holds(TicketRequest r) {
      return r.site().equals(holder) && holderEpoch == r.epoch() && epoch == holderEpoch;
    }

    @Override
    public Optional<Ticket> observe(String cluster) {
      return Optional.ofNullable(current());
    }

    @Override
    public void release(String cluster, String site, long e) {
      if (site.equals(holder) && holderEpoch == e) {
        holder = null;
      }
    }
  }

  /** etcd: a holder key on a lease of ttl + grace whole seconds (EtcdWitness). */
  static final class Etcd extends Base {
    private final LongSupplier now;
    private long leaseEnd;
    private long leaseNanos;
    private String preemptedBy;

    Etcd(WitnessSettings settings, LongSupplier now) {
      super(settings);
      this.now = now;
    }

    private long wholeSeconds(Duration d) {
      long s = (d.toNanos() + 999_999_999L) / 1_000_000_000L;
      return Math.max(2, s) * 1_000_000_000L; // etcd's minimum lease TTL is about 1.5 s
    }

    private void expire() {
      if (holder != null && now.getAsLong() - leaseEnd >= 0) {
        holder = null; // etcd deleted the key with its lease
        preemptedBy = null;
      }
    }

    /** EtcdWitness.preempt: the remaining whole seconds as etcd reports them (truncated) + 1. */
    private static long wholeSecondsNanos(long nanos) {
      long s = Math.max(0, nanos) / 1_000_000_000L + 1;
      return Math.max(2, s) * 1_000_000_000L;
    }

    private void lease(Duration ttl) {
      leaseNanos = wholeSeconds(ttl.plus(settings.grace()));
      leaseEnd = now.getAsLong() + leaseNanos;
    }

    @Override
    Ticket current() {
      expire();
      return ticket(leaseEnd - settings.grace().toNanos());
    }

    @Override
    public TicketResult acquire(TicketRequest r) {
      expire();
      TicketResult refused = precheck(r);
      if (refused != null) {
        return refused;
      }
      if (r.site().equals(holder) && preemptedBy == null) {
        lease(r.ttl()); // the holder finds itself holder and gets its ticket back
        ttl = r.ttl();
        return TicketResult.granted(current(), "granted epoch " + holderEpoch + " again");
      }
      if (holder != null && r.acknowledgedForce()) {
        if (preemptedBy == null) {
          // EtcdWitness: the holder key moves to a new lease of the old one's remaining whole
          // seconds (marked preempted) and the old lease is revoked: keep-alives fail from now on
          leaseEnd = now.getAsLong() + wholeSecondsNanos(leaseEnd - now.getAsLong());
          preemptedBy = r.site();
        }
        return forcedWait(leaseEnd - now.getAsLong());
      }
      if (holder != null) {
        return TicketResult.refused(current(), "refused: held by " + holder);
      }
      lease(r.ttl());
      return grantNew(r, leaseEnd - settings.grace().toNanos());
    }

    @Override
    public TicketResult renew(TicketRequest r) {
      expire();
      if (holds(r) && preemptedBy != null) {
        return TicketResult.refused(null, "refused: the lease of epoch " + r.epoch() + " ended");
      }
      // a keep-alive of a lease that still exists; valid only while more than grace remains
      if (!holds(r) || leaseEnd - now.getAsLong() <= settings.grace().toNanos()) {
        return TicketResult.refused(current(), "refused: no live lease for " + r.site());
      }
      lease(r.ttl());
      ttl = r.ttl();
      return TicketResult.granted(current(), "renewed epoch " + holderEpoch);
    }

    @Override
    public void release(String cluster, String site, long e) {
      expire();
      if (site.equals(holder) && holderEpoch == e) {
        holder = null;
        preemptedBy = null;
      }
    }

    @Override
    public void restart() {
      if (holder != null) {
        leaseEnd = now.getAsLong() + leaseNanos; // a new leader resets every lease to its TTL
      }
    }
  }

  /** DynamoDB: a lease by observation (DynamoDbWitness, after client-go's leader election). */
  static final class Dynamo extends Base {
    private final Clocks agents;
    private long rev;
    private final Map<String, long[]> observed = new HashMap<>();

    Dynamo(WitnessSettings settings, Clocks agents) {
      super(settings);
      this.agents = agents;
    }

    @Override
    Ticket current() {
      return ticket(0);
    }

    @Override
    public TicketResult acquire(TicketRequest r) {
      TicketResult refused = precheck(r);
      if (refused != null) {
        return refused;
      }
      if (holder == null) {
        rev++;
        return grantNew(r, 0);
      }
      if (r.site().equals(holder) && holderEpoch == epoch) {
        rev++;
        ttl = r.ttl();
        return TicketResult.granted(current(), "granted epoch " + holderEpoch + " again");
      }
      // anyone else, a forced acquire and the holder of a stale epoch wait out the lease as
      // observed on their own monotonic clock
      long seenAt = agents.monotonic(r.site());
      long[] o = observed.get(r.site());
      long needed = ttl.plus(settings.grace()).toNanos();
      boolean lapsed = o != null && o[0] == rev && seenAt - o[1] >= needed;
      if (!lapsed && r.acknowledgedForce()) {
        if (holderEpoch == epoch) {
          // DynamoDbWitness: a conditional write lifts the epoch: the holder's renewals fail
          epoch++;
          rev++;
        }
        if (o == null || o[0] != rev) {
          o = new long[] {rev, seenAt};
          observed.put(r.site(), o);
        }
        return forcedWait(o[1] + needed - seenAt);
      }
      if (o == null || o[0] != rev) {
        observed.put(r.site(), new long[] {rev, seenAt});
        return TicketResult.refused(current(), "refused: held by " + holder + " (rev " + rev + ")");
      }
      if (!lapsed) {
        return TicketResult.refused(current(), "refused: held by " + holder + " (rev " + rev + ")");
      }
      rev++;
      return grantNew(r, 0);
    }

    @Override
    public TicketResult renew(TicketRequest r) {
      if (!holds(r)) {
        boolean stale = r.site().equals(holder) && holderEpoch == r.epoch();
        return TicketResult.refused(
            stale ? null : current(), "refused: " + r.site() + " does not hold the newest epoch");
      }
      rev++;
      ttl = r.ttl();
      return TicketResult.granted(current(), "renewed epoch " + holderEpoch);
    }

    @Override
    public void release(String cluster, String site, long e) {
      if (site.equals(holder) && holderEpoch == e) {
        holder = null;
        rev++;
      }
    }

    @Override
    public void restart() {
      // DynamoDB has no restart the client sees; its item is the state
    }
  }

  /** Azure Blob: a 15–60 s blob lease timed by the storage service (BlobLeaseWitness). */
  static final class Blob extends Base {
    private static final long MIN = Duration.ofSeconds(15).toNanos();
    private static final long MAX = Duration.ofSeconds(60).toNanos();
    private final LongSupplier now;
    private final Clocks agents;
    private String leaseHolder;
    private boolean breaking;
    private long leaseEnd;
    private long recordedExpiryWall;

    Blob(WitnessSettings settings, LongSupplier now, Clocks agents) {
      super(settings);
      this.now = now;
      this.agents = agents;
    }

    private long duration(Duration asked) {
      return Math.min(MAX, Math.max(MIN, asked.toNanos()));
    }

    private boolean leaseActive() {
      return leaseHolder != null && now.getAsLong() - leaseEnd < 0;
    }

    @Override
    Ticket current() {
      return ticket(recordedExpiryWall);
    }

    private void take(TicketRequest r) {
      breaking = false;
      long d = duration(r.ttl());
      leaseHolder = r.site();
      leaseEnd = now.getAsLong() + d;
      recordedExpiryWall = agents.wall(r.site()) + d;
    }

    @Override
    public TicketResult acquire(TicketRequest r) {
      TicketResult refused = precheck(r);
      if (refused != null) {
        return refused;
      }
      if (r.site().equals(holder)
          && holderEpoch == epoch
          && r.site().equals(leaseHolder)
          && !breaking) {
        take(r);
        ttl = Duration.ofNanos(duration(r.ttl()));
        return TicketResult.granted(current(), "granted epoch " + holderEpoch + " again");
      }
      if (leaseActive()) {
        if (!r.acknowledgedForce()) {
          return TicketResult.refused(current(), "refused: the lease is held (409)");
        }
        // BlobLeaseWitness: break the lease with the longest break period (Azure keeps the
        // shorter remaining time): renewals fail from now on, the lease ends when it would have
        breaking = true;
        return forcedWait(leaseEnd - now.getAsLong());
      }
      if (holder != null
          && agents.wall(r.site()) - (recordedExpiryWall + settings.grace().toNanos()) < 0) {
        return TicketResult.refused(current(), "refused: within the grace after expiry");
      }
      take(r);
      TicketResult g = grantNew(r, recordedExpiryWall);
      ttl = Duration.ofNanos(duration(r.ttl()));
      return TicketResult.granted(current(), g.reason());
    }

    @Override
    public TicketResult renew(TicketRequest r) {
      // Azure renews a lapsed lease too, as long as nobody leased the blob since
      if (holds(r) && r.site().equals(leaseHolder) && breaking) {
        return TicketResult.refused(null, "refused: lease lost: LeaseIsBreakingAndCannotBeRenewed");
      }
      if (!holds(r) || !r.site().equals(leaseHolder)) {
        return TicketResult.refused(current(), "refused: the lease is not " + r.site() + "'s");
      }
      take(r);
      ttl = Duration.ofNanos(duration(r.ttl()));
      return TicketResult.granted(current(), "renewed epoch " + holderEpoch);
    }

    @Override
    public void release(String cluster, String site, long e) {
      if (site.equals(holder) && holderEpoch == e) {
        holder = null;
        leaseHolder = null;
        breaking = false;
      }
    }

    @Override
    public void restart() {
      // the storage service keeps the lease and the blob
    }
  }
}
