package io.tandem.core.witness;

import io.tandem.core.error.PermissionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logic of the built-in witness server (the transport lives in {@code app}). One ticket per
 * cluster; rules, in order:
 *
 * <ol>
 *   <li>Every request is authenticated by the {@link SiteAuthenticator}; a failure throws {@link
 *       PermissionException} (the secret is never logged).
 *   <li>An <b>acquire</b> is granted if nobody holds the ticket, or the holder's ticket expired on
 *       this witness's clock more than {@code grace} ago, or the requester is the holder; and only
 *       if the requester reports itself healthy. A forced acquire (operator acknowledged) skips
 *       both checks. Every acquire grant carries a <em>new</em> epoch, one greater than any granted
 *       before for the cluster.
 *   <li>A <b>renew</b> is granted only to the recorded holder under the recorded epoch. It is
 *       accepted even after expiry as long as no other site was granted since: nobody else can hold
 *       a newer epoch, so extending it is as safe as a fresh grant, and it lets an active site ride
 *       through a short witness outage without a new epoch.
 *   <li>A new epoch is persisted through the {@link WitnessStateStore} <em>before</em> the grant is
 *       returned. If persisting fails the grant is refused. Renewals are not persisted; instead, on
 *       start every persisted holder gets {@code max(persisted expiry, now + ttl)}, which covers
 *       any renewal granted before the restart (the witness's wall clock must not go backwards
 *       across a restart by more than {@code grace}).
 * </ol>
 *
 * <p>Thread-safe: requests for one cluster are serialised by a per-cluster lock; different clusters
 * proceed in parallel. Time comes from the injected {@link Clock} (the witness's wall clock, which
 * also survives restarts).
 */
public final class BuiltInWitness implements Witness {

  private static final Logger log = LoggerFactory.getLogger(BuiltInWitness.class);

  private final WitnessSettings settings;
  private final Clock clock;
  private final WitnessStateStore store;
  private final SiteAuthenticator authenticator;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();

  /** Mutable per-cluster state; guarded by its own monitor. */
  private static final class Slot {
    final String cluster;
    String holder;
    long epoch;
    Instant expiry = Instant.EPOCH;
    Duration ttl = Duration.ZERO;

    Slot(String cluster) {
      this.cluster = cluster;
    }

    Ticket ticket() {
      return holder == null ? null : new Ticket(cluster, holder, epoch, expiry, ttl);
    }
  }

  /**
   * Loads persisted state and starts. Persisted epochs continue; a persisted holder stays holder
   * until {@code max(persisted expiry, now + its ttl)}.
   */
  public BuiltInWitness(
      WitnessSettings settings,
      Clock clock,
      WitnessStateStore store,
      SiteAuthenticator authenticator) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.store = Objects.requireNonNull(store, "store");
    this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    Instant now = clock.instant();
    for (PersistedTicket p : store.loadAll().values()) {
      Slot s = new Slot(p.cluster());
      s.holder = p.holder();
      s.epoch = p.epoch();
      s.ttl = p.ttl();
      Instant restartCover = now.plus(p.ttl());
      s.expiry = p.expiry().isAfter(restartCover) ? p.expiry() : restartCover;
      slots.put(p.cluster(), s);
    }
  }

  /** In-process acquire (no credential): needs {@link SiteAuthenticator#inProcess()}. */
  @Override
  public TicketResult acquire(TicketRequest request) {
    return acquire(request, SiteCredential.NONE);
  }

  @Override
  public TicketResult renew(TicketRequest request) {
    return renew(request, SiteCredential.NONE);
  }

  @Override
  public void release(String cluster, String site, long epoch) {
    release(cluster, site, epoch, SiteCredential.NONE);
  }

  /** Acquire on behalf of an authenticated transport request. */
  public TicketResult acquire(TicketRequest request, SiteCredential credential) {
    authenticate(request.site(), credential);
    Slot s = slot(request.cluster());
    synchronized (s) {
      Instant now = clock.instant();
      boolean heldByOther =
          s.holder != null
              && !s.holder.equals(request.site())
              && !now.isAfter(s.expiry.plus(settings.grace()));
      if (!request.force()) {
        if (!request.healthy()) {
          return TicketResult.refused(
              s.ticket(), "refused: " + request.site() + " reports unhealthy");
        }
        if (heldByOther) {
          return TicketResult.refused(
              s.ticket(),
              "refused: held by "
                  + s.holder
                  + " under epoch "
                  + s.epoch
                  + " until "
                  + s.expiry
                  + " (+ grace "
                  + settings.grace().toMillis()
                  + " ms)");
        }
      }
      Duration ttl = clampTtl(request.ttl());
      long epoch = s.epoch + 1;
      Instant expiry = now.plus(ttl);
      // Durable before answered: a crash after this line can never re-issue this epoch.
      store.save(new PersistedTicket(s.cluster, request.site(), epoch, expiry, ttl));
      String previous = s.holder;
      s.holder = request.site();
      s.epoch = epoch;
      s.expiry = expiry;
      s.ttl = ttl;
      if (request.force() && heldByOther) {
        log.warn(
            "forced grant of {} epoch {} to {} while {} may still hold it",
            s.cluster,
            epoch,
            request.site(),
            previous);
      }
      return TicketResult.granted(
          s.ticket(), (request.force() ? "force-granted epoch " : "granted epoch ") + epoch);
    }
  }

  /** Renew on behalf of an authenticated transport request. */
  public TicketResult renew(TicketRequest request, SiteCredential credential) {
    authenticate(request.site(), credential);
    Slot s = slot(request.cluster());
    synchronized (s) {
      if (s.holder == null || !s.holder.equals(request.site()) || s.epoch != request.epoch()) {
        return TicketResult.refused(
            s.ticket(),
            s.holder == null
                ? "refused: nobody holds the ticket (epoch " + s.epoch + ")"
                : "refused: held by "
                    + s.holder
                    + " under epoch "
                    + s.epoch
                    + ", not "
                    + request.site()
                    + "@"
                    + request.epoch());
      }
      Duration ttl = clampTtl(request.ttl());
      Instant expiry = clock.instant().plus(ttl);
      if (expiry.isAfter(s.expiry)) {
        s.expiry = expiry;
      }
      s.ttl = ttl;
      return TicketResult.granted(s.ticket(), "renewed epoch " + s.epoch);
    }
  }

  /** Release on behalf of an authenticated transport request. Idempotent. */
  public void release(String cluster, String site, long epoch, SiteCredential credential) {
    authenticate(site, credential);
    Slot s = slot(cluster);
    synchronized (s) {
      if (s.holder != null && s.holder.equals(site) && s.epoch == epoch) {
        store.save(new PersistedTicket(cluster, null, s.epoch, clock.instant(), s.ttl));
        s.holder = null;
        s.expiry = clock.instant();
      }
    }
  }

  @Override
  public Optional<Ticket> observe(String cluster) {
    Slot s = slots.get(cluster);
    if (s == null) {
      return Optional.empty();
    }
    synchronized (s) {
      return Optional.ofNullable(s.ticket());
    }
  }

  /** The last epoch granted for {@code cluster} (0 if never). */
  public long lastEpoch(String cluster) {
    Slot s = slots.get(cluster);
    if (s == null) {
      return 0;
    }
    synchronized (s) {
      return s.epoch;
    }
  }

  private Duration clampTtl(Duration asked) {
    if (asked.compareTo(settings.minTtl()) < 0) {
      return settings.minTtl();
    }
    return asked.compareTo(settings.maxTtl()) > 0 ? settings.maxTtl() : asked;
  }

  private Slot slot(String cluster) {
    return slots.computeIfAbsent(cluster, Slot::new);
  }

  private void authenticate(String site, SiteCredential credential) {
    if (!authenticator.authenticate(site, credential)) {
      log.warn("witness request claiming to be site {} failed authentication", site);
      throw new PermissionException("site " + site + " failed authentication");
    }
  }
}
