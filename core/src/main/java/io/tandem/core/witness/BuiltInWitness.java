package io.tandem.core.witness;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ResourceNotFoundException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logic of the built-in witness server (the transport lives in {@code app}). One ticket per
 * cluster; rules, in order:
 *
 * <ol>
 *   <li>Every request is authenticated by the {@link SiteAuthenticator}; a failure throws {@link
 *       PermissionException} (the secret is never logged).
 *   <li>Every request presents the epoch its site knows; the cluster's counter is lifted past it
 *       (and persisted), so an epoch is never issued twice, even after the witness's state was lost
 *       or restored from an old backup. Once a newer epoch than the holder's is known, the holder's
 *       renewals are refused.
 *   <li>An <b>acquire</b> is granted if nobody holds the ticket, or the holder's ticket expired
 *       more than {@code grace} ago, or the requester is the holder; and only if the requester
 *       reports itself healthy. An acquire by the holder under the newest epoch keeps that epoch
 *       (it is a renewal); every other grant carries a <em>new</em> epoch, one greater than any
 *       known. A forced acquire (only with the operator's exact acknowledgement, {@link
 *       TicketRequest#FORCE_ACKNOWLEDGEMENT}) skips the health check and preempts the holder at
 *       once (a newer epoch is recorded, so its renewals are refused), but is granted only once the
 *       holder's ticket expired more than {@code grace} ago, or at once if it released; meanwhile
 *       other sites' acquires are refused.
 *   <li>A <b>renew</b> is granted only to the recorded holder under the recorded (newest) epoch. It
 *       is accepted even after expiry as long as no other site was granted since: nobody else can
 *       hold a newer epoch, so extending it is as safe as a fresh grant, and it lets an active site
 *       ride through a short witness outage without a new epoch.
 *   <li>A new epoch is persisted through the {@link WitnessStateStore} <em>before</em> the grant is
 *       returned; if persisting fails the grant is refused. Renewals are not persisted (unless they
 *       lengthen the TTL). Instead, on start every persisted holder is covered for its full TTL,
 *       which covers any renewal granted before the restart.
 *   <li>A requested TTL below {@code minTtl} is refused (never silently raised); above {@code
 *       maxTtl} it is cut (a shorter lease is always safe: the agent times the granted TTL).
 * </ol>
 *
 * <p><b>Time.</b> Every expiry is measured on the witness's <em>monotonic</em> clock, so a step of
 * its wall clock (NTP, an operator, a VM resume) never shortens or lengthens a ticket. The wall
 * clock only labels answers ({@link Ticket#expiry()}) and persisted records. After a restart the
 * witness cannot know how much monotonic time passed, so each persisted holder is covered for a
 * full TTL from the start, and others are granted only after that plus the grace.
 *
 * <p>Thread-safe: requests for one cluster are serialised by a per-cluster lock; different clusters
 * proceed in parallel. A grant holds its cluster's lock while it is made durable; the {@code
 * ...IfImmediate} variants never wait for it (a transport's event loop uses them).
 */
public final class BuiltInWitness implements Witness {

  private static final Logger log = LoggerFactory.getLogger(BuiltInWitness.class);

  private final WitnessClusters clusters;
  private final Clock wall;
  private final LongSupplier nanos;
  private final WitnessStateStore store;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();

  /** Mutable per-cluster state; guarded by its own lock. Times are monotonic nanos. */
  private static final class Slot {
    final ReentrantLock lock = new ReentrantLock();
    final String cluster;
    volatile WitnessSettings settings;
    String holder;
    long holderEpoch;
    long epoch;
    long expiryNanos;
    Duration ttl = Duration.ZERO;
    Duration coverTtl = Duration.ZERO;

    /** {@code "renewed epoch " + renewedEpoch}, made once per holder's epoch, not per renewal. */
    String renewedWords;

    long renewedEpoch = -1;

    /** The site whose forced acquire preempted the holder and waits for its ticket, or null. */
    String forcedBy;

    long forcedUntilNanos;

    Slot(String cluster) {
      this.cluster = cluster;
    }

    boolean holderIsNewest() {
      return holder != null && holderEpoch == epoch;
    }
  }

  /**
   * A witness serving only {@code clusters}. Loads persisted state and starts: persisted epochs
   * continue; a persisted holder stays holder for its full TTL from now on the monotonic clock.
   *
   * @param wall the witness's wall clock: labels answers and records, never times a ticket
   * @param nanos the witness's monotonic clock (e.g. {@code System::nanoTime}): times every ticket
   * @throws io.tandem.core.error.ConfigException if the store holds damaged state
   */
  public BuiltInWitness(
      WitnessClusters clusters, Clock wall, LongSupplier nanos, WitnessStateStore store) {
    this.clusters = Objects.requireNonNull(clusters, "clusters");
    this.wall = Objects.requireNonNull(wall, "wall");
    this.nanos = Objects.requireNonNull(nanos, "nanos");
    this.store = Objects.requireNonNull(store, "store");
    long start = nanos.getAsLong();
    for (PersistedTicket p : store.loadAll().values()) {
      Slot s = new Slot(p.cluster());
      s.holder = p.holder();
      s.holderEpoch = p.holderEpoch();
      s.epoch = p.epoch();
      s.ttl = p.ttl();
      s.coverTtl = p.ttl();
      s.expiryNanos = p.holder() == null ? start : start + p.ttl().toNanos();
      slots.put(p.cluster(), s);
    }
    for (WitnessCluster c : clusters.configured()) {
      slots.computeIfAbsent(c.name(), Slot::new).settings = c.settings();
    }
  }

  /**
   * A witness serving any cluster with one set of settings: for a witness called in-process (the
   * simulation, tests), where no remote party chooses the cluster name.
   */
  public BuiltInWitness(
      WitnessSettings settings,
      Clock wall,
      LongSupplier nanos,
      WitnessStateStore store,
      SiteAuthenticator authenticator) {
    this(WitnessClusters.open(settings, authenticator), wall, nanos, store);
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
    return acquireIn(admit(request.cluster(), request.site(), credential), request);
  }

  /**
   * An acquire for a transport that proved by itself who asks (see {@link
   * #renewIfImmediateVerified}). Never a forced one: an operator's forced acquire travels with its
   * acknowledgement over the authenticated HTTPS path only, and is refused here.
   */
  public TicketResult acquireVerified(TicketRequest request) {
    Slot s = slot(request.cluster());
    if (request.force()) {
      return TicketResult.refused(
          observe(request.cluster()).orElse(null),
          "refused: a forced acquire is accepted over HTTPS only");
    }
    return acquireIn(s, request);
  }

  /** A release for a transport that proved by itself who asks. Idempotent. */
  public void releaseVerified(String cluster, String site, long epoch) {
    releaseIn(slot(cluster), site, epoch);
  }

  private TicketResult acquireIn(Slot s, TicketRequest request) {
    WitnessSettings settings = s.settings;
    s.lock.lock();
    try {
      lift(s, request.epoch());
      String refusal = request.unacknowledgedForceRefusal();
      if (refusal == null) {
        refusal = ttlRefusal(settings, request.ttl());
      }
      if (refusal != null) {
        return TicketResult.refused(ticket(s), refusal);
      }
      long now = nanos.getAsLong();
      if (!request.healthy() && !request.force()) {
        return TicketResult.refused(ticket(s), "refused: " + request.site() + " reports unhealthy");
      }
      boolean byHolder = request.site().equals(s.holder);
      if (byHolder && s.holderIsNewest()) {
        return extend(s, request, now, "holds epoch ");
      }
      boolean heldByOther =
          s.holder != null && !byHolder && now - s.expiryNanos <= settings.grace().toNanos();
      if (heldByOther && request.force()) {
        return preempt(s, request, now);
      }
      if (!request.force()
          && s.forcedBy != null
          && !s.forcedBy.equals(request.site())
          && now - s.forcedUntilNanos < 0) {
        return TicketResult.refused(
            ticket(s), "refused: " + s.forcedBy + "'s forced acquire is waiting for the ticket");
      }
      if (heldByOther) {
        return TicketResult.refused(
            ticket(s),
            "refused: held by "
                + s.holder
                + " under epoch "
                + s.holderEpoch
                + " for "
                + Math.max(0, (s.expiryNanos - now) / 1_000_000)
                + " ms more (+ grace "
                + settings.grace().toMillis()
                + " ms)");
      }
      Duration ttl = cut(settings, request.ttl());
      long epoch = s.epoch + 1;
      // Durable before answered: a crash after this line can never re-issue this epoch.
      store.save(
          new PersistedTicket(s.cluster, request.site(), epoch, wall.instant().plus(ttl), ttl));
      String previous = s.holder;
      s.holder = request.site();
      s.holderEpoch = epoch;
      s.epoch = epoch;
      s.expiryNanos = now + ttl.toNanos();
      s.ttl = ttl;
      s.coverTtl = ttl;
      s.forcedBy = null;
      if (request.force()) {
        log.warn(
            "forced grant of {} epoch {} to {} (previous holder {})",
            s.cluster,
            epoch,
            request.site(),
            previous == null ? "none or released" : previous);
      }
      return TicketResult.granted(
          ticket(s), (request.force() ? "force-granted epoch " : "granted epoch ") + epoch);
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * A forced acquire while another site's ticket may still be valid: the holder is preempted (a
   * newer epoch is recorded, persisted, so its renewals are refused and a live holder fences on its
   * next renewal), but the ticket is granted only once the old one has expired plus grace on this
   * witness's clock, or at once after the holder released it. Granting at once would let the old
   * PBX serve beside the new one until the old holder's own deadline (an agent that is paused or
   * cut off never hears of the preemption). As Kubernetes' leader election, a forced change waits
   * out the lease; as booth's {@code grant -F}, it overrides health and the peers.
   */
  private TicketResult preempt(Slot s, TicketRequest request, long now) {
    long lapse = s.expiryNanos + s.settings.grace().toNanos();
    if (s.holderIsNewest()) {
      long newer = s.epoch + 1;
      store.save(
          new PersistedTicket(
              s.cluster, s.holder, newer, expiryLabel(s), s.coverTtl, s.holderEpoch));
      s.epoch = newer;
      log.warn(
          "{}: forced acquire by {} preempts {} (epoch {}): its renewals are refused from now on",
          s.cluster,
          request.site(),
          s.holder,
          s.holderEpoch);
    }
    s.forcedBy = request.site();
    s.forcedUntilNanos = lapse + cut(s.settings, request.ttl()).toNanos();
    return TicketResult.refused(
        ticket(s),
        TicketRequest.forcedWaitRefusal(s.holder, Duration.ofNanos(Math.max(0, lapse - now))));
  }

  /** Renew on behalf of an authenticated transport request. */
  public TicketResult renew(TicketRequest request, SiteCredential credential) {
    Slot s = admit(request.cluster(), request.site(), credential);
    s.lock.lock();
    try {
      return renewLocked(s, request);
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * A renewal that never waits: empty when it would have to wait for the cluster's lock (a grant
   * being made durable) or would have to persist something (a longer TTL, a lifted epoch); the
   * caller then renews the blocking way ({@link #renew(TicketRequest, SiteCredential)}). Lets a
   * transport answer the common case on its event loop.
   */
  public Optional<TicketResult> renewIfImmediate(TicketRequest request, SiteCredential credential) {
    Slot s = admit(request.cluster(), request.site(), credential);
    if (!s.lock.tryLock()) {
      return Optional.empty();
    }
    try {
      boolean mightPersist =
          request.epoch() > s.epoch || cut(s.settings, request.ttl()).compareTo(s.coverTtl) > 0;
      return mightPersist ? Optional.empty() : Optional.of(renewLocked(s, request));
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * A renewal for a transport that proved by itself that the request comes from {@code
   * request.site()} of {@code request.cluster()} — the datagram listener, which checks each
   * datagram's HMAC under a key derived from that site's secret (docs/witness-protocol.md,
   * "Datagrams"). Same rules as {@link #renew(TicketRequest, SiteCredential)}; never waits (empty
   * as {@link #renewIfImmediate}).
   *
   * @throws ResourceNotFoundException if this witness does not serve the cluster
   */
  public Optional<TicketResult> renewIfImmediateVerified(TicketRequest request) {
    return renewIfImmediateVerified(served(request.cluster()), request);
  }

  /**
   * A served cluster's state, found once by a transport that keeps it per site (the datagram
   * listener, which then renews and reads without looking the cluster up by name per datagram).
   * Valid for the witness's life: a served cluster's state is never replaced.
   */
  public static final class Served {
    private final Slot slot;

    private Served(Slot slot) {
      this.slot = slot;
    }

    /** The cluster's name. */
    public String cluster() {
      return slot.cluster;
    }
  }

  /**
   * The state of a cluster this witness serves, for {@link #renewIfImmediateVerified(Served,
   * TicketRequest)} and {@link #observeIfImmediateVerified(Served)}.
   *
   * @throws ResourceNotFoundException if this witness does not serve the cluster
   */
  public Served served(String cluster) {
    return new Served(slot(cluster));
  }

  /**
   * {@link #renewIfImmediateVerified(TicketRequest)} for a cluster found before by {@link #served}.
   *
   * @throws IllegalArgumentException if the request names another cluster
   */
  public Optional<TicketResult> renewIfImmediateVerified(Served cluster, TicketRequest request) {
    Slot s = cluster.slot;
    if (!s.cluster.equals(request.cluster())) {
      throw new IllegalArgumentException("the request is for another cluster");
    }
    if (!s.lock.tryLock()) {
      return Optional.empty();
    }
    try {
      boolean mightPersist =
          request.epoch() > s.epoch || cut(s.settings, request.ttl()).compareTo(s.coverTtl) > 0;
      return mightPersist ? Optional.empty() : Optional.of(renewLocked(s, request));
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * {@link #renewIfImmediateVerified(Served, TicketRequest)} answering into {@code into}, with no
   * allocation when granted (the common case: the holder renews under the newest epoch a TTL the
   * witness already covers). False, with {@code into} untouched, where the request would have to
   * wait for the cluster's lock or persist: the caller then renews the blocking way. Same rules and
   * same answer as the general path ({@code BuiltInWitnessAnswerProperties} holds them equal).
   */
  public boolean renewIfImmediateVerified(
      Served cluster,
      String site,
      boolean healthy,
      long epoch,
      long ttlMillis,
      WitnessAnswer into) {
    if (ttlMillis <= 0 || epoch < 0 || epoch > TicketRequest.MAX_EPOCH) {
      throw new IllegalArgumentException("a renewal's TTL is positive and its epoch in [0, 2^62]");
    }
    Slot s = cluster.slot;
    if (!s.lock.tryLock()) {
      return false;
    }
    try {
      WitnessSettings settings = s.settings;
      long ttlNanos = Math.multiplyExact(ttlMillis, 1_000_000L);
      long cutNanos = Math.min(ttlNanos, settings.maxTtl().toNanos());
      if (epoch > s.epoch || cutNanos > s.coverTtl.toNanos()) {
        return false; // might persist
      }
      boolean common =
          site.equals(s.holder)
              && s.holderEpoch == epoch
              && s.holderIsNewest()
              && ttlNanos >= settings.minTtl().toNanos();
      if (!common) {
        into.set(
            renewLocked(
                s,
                TicketRequest.renew(
                    s.cluster, site, healthy, Duration.ofMillis(ttlMillis), epoch)));
        return true;
      }
      // extend(s, ...) without its records: the TTL is covered, so nothing is persisted
      long now = nanos.getAsLong();
      long expiry = now + cutNanos;
      if (expiry - s.expiryNanos > 0) {
        s.expiryNanos = expiry;
      }
      if (s.ttl.toNanos() != cutNanos) {
        s.ttl = Duration.ofNanos(cutNanos);
      }
      if (s.renewedEpoch != s.holderEpoch) {
        s.renewedWords = "renewed epoch " + s.holderEpoch;
        s.renewedEpoch = s.holderEpoch;
      }
      into.granted = true;
      into.reason = s.renewedWords;
      holding(s, now, into);
      return true;
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * {@link #observeIfImmediateVerified(Served)} answering into {@code into} (not granted, the
   * reason {@code reason}) with no allocation; false where it would wait for the cluster's lock.
   */
  public boolean observeIfImmediateVerified(Served cluster, String reason, WitnessAnswer into) {
    Slot s = cluster.slot;
    if (!s.lock.tryLock()) {
      return false;
    }
    try {
      into.granted = false;
      into.reason = reason;
      holding(s, nanos.getAsLong(), into);
      return true;
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * The ticket as {@link #ticket(Slot)} gives it, written into {@code into}; the expiry label from
   * the wall clock's milliseconds (no {@code Instant}), so at most 1 ms earlier than {@link
   * #expiryLabel}'s (a label: no agent times anything by it).
   */
  private void holding(Slot s, long now, WitnessAnswer into) {
    into.holder = s.holder;
    if (s.holder == null) {
      into.epoch = 0;
      into.expiryMillis = 0;
      into.ttlMillis = 0;
      return;
    }
    into.epoch = s.holderEpoch;
    into.expiryMillis = wall.millis() + Math.floorDiv(s.expiryNanos - now, 1_000_000L);
    into.ttlMillis = s.ttl.toMillis();
  }

  /** {@link #renewIfImmediateVerified} that may wait for the cluster's lock and persist. */
  public TicketResult renewVerified(TicketRequest request) {
    Slot s = slot(request.cluster());
    s.lock.lock();
    try {
      return renewLocked(s, request);
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * The ticket for a transport that proved by itself that a site of {@code cluster} asks (see
   * {@link #renewIfImmediateVerified}); empty when the cluster's lock is held.
   */
  public Optional<Optional<Ticket>> observeIfImmediateVerified(String cluster) {
    return observeIfImmediateVerified(served(cluster));
  }

  /** {@link #observeIfImmediateVerified(String)} for a cluster found before by {@link #served}. */
  public Optional<Optional<Ticket>> observeIfImmediateVerified(Served cluster) {
    Slot s = cluster.slot;
    if (!s.lock.tryLock()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Optional.ofNullable(ticket(s)));
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * {@link #observe(String, String, SiteCredential)} that never waits: empty when the cluster's
   * lock is held (a grant being made durable).
   */
  public Optional<Optional<Ticket>> observeIfImmediate(
      String cluster, String site, SiteCredential credential) {
    Slot s = admit(cluster, site, credential);
    if (!s.lock.tryLock()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Optional.ofNullable(ticket(s)));
    } finally {
      s.lock.unlock();
    }
  }

  private TicketResult renewLocked(Slot s, TicketRequest request) {
    lift(s, request.epoch());
    if (!request.site().equals(s.holder) || s.holderEpoch != request.epoch()) {
      return TicketResult.refused(
          ticket(s),
          s.holder == null
              ? "refused: nobody holds the ticket (epoch " + s.epoch + ")"
              : "refused: held by "
                  + s.holder
                  + " under epoch "
                  + s.holderEpoch
                  + ", not "
                  + request.site()
                  + "@"
                  + request.epoch());
    }
    if (!s.holderIsNewest()) {
      // no ticket in the answer: the holder must take this as lost (fence now), not as a refusal
      // for another reason while it still holds (it would then serve on until its deadline)
      return TicketResult.refused(
          null, "refused: epoch " + s.epoch + " is newer than " + s.holder + "@" + s.holderEpoch);
    }
    String refusal = ttlRefusal(s.settings, request.ttl());
    if (refusal != null) {
      return TicketResult.refused(ticket(s), refusal);
    }
    return extend(s, request, nanos.getAsLong(), "renewed epoch ");
  }

  /** Release on behalf of an authenticated transport request. Idempotent. */
  public void release(String cluster, String site, long epoch, SiteCredential credential) {
    releaseIn(admit(cluster, site, credential), site, epoch);
  }

  private void releaseIn(Slot s, String site, long epoch) {
    String cluster = s.cluster;
    s.lock.lock();
    try {
      lift(s, epoch);
      if (site.equals(s.holder) && s.holderEpoch == epoch) {
        store.save(new PersistedTicket(cluster, null, s.epoch, wall.instant(), s.ttl));
        s.holder = null;
        s.holderEpoch = 0;
        s.expiryNanos = nanos.getAsLong();
      }
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * True: one lock per cluster: the second of two same-site acquires finds the site holder of the
   * newest epoch and keeps it (rule 2).
   */
  @Override
  public boolean answersConcurrentAcquiresAlike() {
    return true;
  }

  @Override
  public Optional<Ticket> observe(String cluster) {
    Slot s = slots.get(cluster);
    if (s == null) {
      return Optional.empty();
    }
    s.lock.lock();
    try {
      return Optional.ofNullable(ticket(s));
    } finally {
      s.lock.unlock();
    }
  }

  /** Observe on behalf of an authenticated transport request by one of the cluster's sites. */
  public Optional<Ticket> observe(String cluster, String site, SiteCredential credential) {
    Slot s = admit(cluster, site, credential);
    s.lock.lock();
    try {
      return Optional.ofNullable(ticket(s));
    } finally {
      s.lock.unlock();
    }
  }

  /** The highest epoch granted or presented for {@code cluster} (0 if none). */
  public long lastEpoch(String cluster) {
    Slot s = slots.get(cluster);
    if (s == null) {
      return 0;
    }
    s.lock.lock();
    try {
      return s.epoch;
    } finally {
      s.lock.unlock();
    }
  }

  /** Extends the holder's lease from {@code now}; never shortens it. Persists a longer TTL. */
  private TicketResult extend(Slot s, TicketRequest request, long now, String words) {
    Duration ttl = cut(s.settings, request.ttl());
    if (ttl.compareTo(s.coverTtl) > 0) {
      // The restart cover must span every lease granted: persist the longer TTL first.
      store.save(
          new PersistedTicket(
              s.cluster, s.holder, s.epoch, wall.instant().plus(ttl), ttl, s.holderEpoch));
      s.coverTtl = ttl;
    }
    long expiry = now + ttl.toNanos();
    if (expiry - s.expiryNanos > 0) {
      s.expiryNanos = expiry;
    }
    if (!ttl.equals(s.ttl)) {
      // not written when equal: a long-lived slot pointing at each renewal's new Duration makes
      // every young collection copy 10,000 of them and scan their slots' cards
      s.ttl = ttl;
    }
    return TicketResult.granted(ticket(s), words + s.holderEpoch);
  }

  /** Lifts the counter past an epoch a site presented, persisting it before anything else. */
  private void lift(Slot s, long presented) {
    if (presented <= s.epoch) {
      return;
    }
    log.warn(
        "cluster {}: a site presented epoch {}, newer than this witness knows ({});"
            + " lifting the counter past it (was the witness's state lost or restored?)",
        s.cluster,
        presented,
        s.epoch);
    store.save(
        new PersistedTicket(
            s.cluster, s.holder, presented, expiryLabel(s), s.coverTtl, s.holderEpoch));
    s.epoch = presented;
  }

  private Ticket ticket(Slot s) {
    return s.holder == null
        ? null
        : new Ticket(s.cluster, s.holder, s.holderEpoch, expiryLabel(s), s.ttl);
  }

  /** The holder's expiry on the wall clock, for answers and records (never for timing). */
  private Instant expiryLabel(Slot s) {
    return wall.instant().plusNanos(s.expiryNanos - nanos.getAsLong());
  }

  private static String ttlRefusal(WitnessSettings settings, Duration asked) {
    if (asked.compareTo(settings.minTtl()) < 0) {
      return "refused: ttl "
          + asked.toMillis()
          + " ms is below this witness's minimum of "
          + settings.minTtl().toMillis()
          + " ms (configure timings.ticketTtl >= the minimum)";
    }
    return null;
  }

  private static Duration cut(WitnessSettings settings, Duration asked) {
    return asked.compareTo(settings.maxTtl()) > 0 ? settings.maxTtl() : asked;
  }

  /**
   * The slot of a cluster this witness serves, after authenticating {@code site} against that
   * cluster's own sites.
   *
   * @throws ResourceNotFoundException if this witness does not serve the cluster (the name is not
   *     echoed: it is the caller's input)
   * @throws PermissionException if the credential does not prove {@code site} of that cluster
   */
  private Slot admit(String cluster, String site, SiteCredential credential) {
    WitnessCluster c =
        clusters
            .find(cluster)
            .orElseThrow(
                () -> new ResourceNotFoundException("this witness does not serve that cluster"));
    if (!c.authenticator().authenticate(site, credential)) {
      log.warn("witness request claiming to be site {} of {} failed authentication", site, cluster);
      throw new PermissionException("site " + site + " failed authentication");
    }
    return slot(c);
  }

  /** The slot of a served cluster, for a request its transport already authenticated. */
  private Slot slot(String cluster) {
    return slot(
        clusters
            .find(cluster)
            .orElseThrow(
                () -> new ResourceNotFoundException("this witness does not serve that cluster")));
  }

  private Slot slot(WitnessCluster c) {
    String cluster = c.name();
    Slot s = slots.computeIfAbsent(cluster, Slot::new);
    if (s.settings == null) {
      s.settings = c.settings();
    }
    return s;
  }
}
