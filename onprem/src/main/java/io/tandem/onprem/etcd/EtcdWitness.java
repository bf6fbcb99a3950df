package io.tandem.onprem.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.ClientInterceptor;
import io.tandem.core.error.TransientException;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.Witness;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Witness} on etcd: one holder key per cluster bound to a lease, and an epoch counter key,
 * both changed in one transaction that compares revisions.
 *
 * <p>Keys under {@code <prefix><cluster>/}: {@code epoch} (the last epoch granted, never deleted)
 * and {@code holder} ({@code site=..;epoch=..;ttlMs=..}, attached to a lease).
 *
 * <p><b>Expiry and grace on etcd's clock.</b> The holder's lease is granted for {@code ttl + grace}
 * (whole seconds). The ticket counts as valid while the lease's remaining time is more than {@code
 * grace}; after that it has expired but the key still exists for {@code grace} seconds, so nobody
 * else can take it (an acquire needs the holder key absent, {@code create_revision == 0}). When the
 * lease ends etcd deletes the key itself and the next healthy site may acquire. Both bounds are
 * therefore measured by the etcd leader, never by an agent's clock. A renewal is a single lease
 * keep-alive (it resets the lease to {@code ttl + grace}); it writes no key, so renewals do not
 * grow etcd's revision history: one RPC, as etcd's own election keeps a session alive. A release
 * deletes the key at once: a holder that hands over voluntarily needs no grace. A forced acquire
 * preempts the holder: its key moves, marked {@code preemptedBy}, to a new lease of the old lease's
 * remaining time and the old lease is revoked, so the holder's keep-alives fail at once; the forced
 * acquire is granted only once etcd deleted the key (TTL + grace on etcd's clock) or the holder
 * released it ({@link #preempt}). Keys under the prefix are Tandem's state: deleting them by hand
 * is like deleting the built-in witness's state directory.
 *
 * <p>etcd leases count whole seconds, so TTL and grace are rounded up to whole seconds; rounding
 * can only lengthen a ticket and its grace, never shorten them. etcd also raises a lease below its
 * minimum TTL (about 1.5 s with default election settings) to that minimum.
 *
 * <p><b>Restarts.</b> etcd persists keys and leases; a restarted (or newly elected) leader resets
 * every lease's remaining time to its full TTL, so a restart can only lengthen a ticket, never
 * shorten it. Epochs live in raft-replicated keys and are committed before a grant is answered.
 *
 * <p>Every call is bounded by {@code callTimeout}; a timeout or an unreachable etcd is a {@link
 * TransientException}. A timed-out grant may still have committed: the next acquire by the same
 * site finds itself holder and gets that ticket back, so nothing is lost. Thread-safe.
 */
public final class EtcdWitness implements Witness {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EtcdWitness.class);

  private final EtcdWitnessConfig config;
  private final Client client;
  private final Clock clock;
  private final EtcdCalls calls;

  /** What this client was granted, per cluster: a renewal is then one lease keep-alive. */
  private final Map<String, Held> held = new ConcurrentHashMap<>();

  private record Held(HolderRecord holder, long leaseId) {}

  public EtcdWitness(EtcdWitnessConfig config) {
    this(config, Clock.systemUTC());
  }

  public EtcdWitness(EtcdWitnessConfig config, Clock clock) {
    this(config, clock, List.of());
  }

  /** With extra gRPC interceptors (tests count the RPCs a renewal makes). */
  EtcdWitness(EtcdWitnessConfig config, Clock clock, List<ClientInterceptor> interceptors) {
    this.config = config;
    this.clock = clock;
    this.calls = new EtcdCalls(config);
    ClientBuilder builder =
        Client.builder()
            .endpoints(config.endpoints().toArray(new java.net.URI[0]))
            .connectTimeout(config.callTimeout())
            // jetcd retries UNAVAILABLE by itself; it gives up inside our own call timeout, so a
            // failure that retrying cannot fix (a TLS handshake) reaches us with its cause.
            .retryDelay(50)
            .retryMaxDelay(250)
            .retryMaxDuration(config.callTimeout().multipliedBy(3).dividedBy(4))
            // fail fast while the channel is broken (gRPC's default for RPCs), rather than waiting
            // out the deadline: the failure then carries its cause (e.g. a TLS handshake)
            .waitForReady(false)
            .keepaliveTime(Duration.ofSeconds(10))
            .keepaliveTimeout(config.callTimeout());
    if (config.user().isPresent()) {
      builder.user(bytes(config.user().get())).password(bytes(config.password().orElseThrow()));
    }
    config.tls().ifPresent(tls -> builder.sslContext(EtcdCalls.sslContext(tls)));
    if (!interceptors.isEmpty()) {
      builder.interceptors(List.copyOf(interceptors));
    }
    this.client = builder.build();
  }

  @Override
  public TicketResult acquire(TicketRequest request) {
    String refusal = request.unacknowledgedForceRefusal();
    if (refusal != null) {
      return TicketResult.refused(observe(request.cluster()).orElse(null), refusal);
    }
    if (!request.healthy() && !request.force()) {
      return TicketResult.refused(
          observe(request.cluster()).orElse(null), "not granted: requester is not healthy");
    }
    State state = read(request.cluster());
    if (state.holder.isEmpty()) {
      return grant(request, state, request.force() ? "granted (forced)" : "granted");
    }
    HolderRecord holder = state.holderRecord();
    long remaining = remainingSeconds(state.holder.get().getLease());
    boolean valid = remaining > config.graceSeconds();
    if (holder.preempted() || (request.force() && !holder.site().equals(request.site()))) {
      return preempt(request, state, holder, remaining);
    }
    if (holder.site().equals(request.site()) && valid && !request.force()) {
      // The requester already holds a valid ticket: acquiring again is a renewal.
      return renew(
          TicketRequest.renew(
              request.cluster(), request.site(), true, request.ttl(), holder.epoch()));
    }
    if (holder.site().equals(request.site())) {
      // Our own lapsed ticket (we must have fenced): new epoch.
      return grant(request, state, request.force() ? "granted (forced)" : "granted again");
    }
    Ticket current = ticket(request.cluster(), holder, remaining);
    return TicketResult.refused(
        current,
        valid
            ? "held by " + holder.site() + " epoch " + holder.epoch() + " until " + current.expiry()
            : "held by "
                + holder.site()
                + " epoch "
                + holder.epoch()
                + ": expired, in grace for "
                + Math.max(0, remaining)
                + " s more");
  }

  /**
   * A forced acquire while the holder key exists (docs/witness-protocol.md, rule 2): the key moves,
   * marked {@code preemptedBy}, onto a new lease of the old lease's remaining whole seconds (so
   * etcd deletes it when the old one would have ended), and the old lease is revoked, so the
   * holder's keep-alives fail from now on and it fences. The forced acquire is granted once etcd
   * deleted the key (the old ticket's TTL + grace on etcd's clock), or at once after the holder
   * released. Meanwhile every acquire is refused, a forced one with the time left.
   */
  private TicketResult preempt(
      TicketRequest request, State state, HolderRecord holder, long remaining) {
    KeyValue kv = state.holder.get();
    Ticket current = ticket(request.cluster(), holder, remaining);
    // etcd reports a lease's remaining time in whole seconds, truncated (etcdserver's
    // LeaseTimeToLive answers int64(l.Remaining().Seconds())): one more second never ends early
    long left = Math.max(0, remaining) + 1;
    if (!holder.preempted()) {
      long lease =
          calls.await(client.getLeaseClient().grant(left), "lease grant (preempt)").getID();
      TxnResponse r;
      try {
        r =
            calls.await(
                client
                    .getKVClient()
                    .txn()
                    .If(
                        new Cmp(
                            state.holderKey,
                            Cmp.Op.EQUAL,
                            CmpTarget.modRevision(kv.getModRevision())))
                    .Then(
                        Op.put(
                            state.holderKey,
                            bytes(holder.preemptedBy(request.site()).encode()),
                            PutOption.builder().withLeaseId(lease).build()))
                    .commit(),
                "preempt");
      } catch (RuntimeException e) {
        revokeQuietly(lease);
        throw e;
      }
      if (!r.isSucceeded()) {
        revokeQuietly(lease);
        return TicketResult.refused(
            observe(request.cluster()).orElse(null), "not granted: the holder changed meanwhile");
      }
      revokeQuietly(kv.getLease()); // the holder's keep-alives fail from now on
      LOG.warn(
          "forced acquire of {} by {} preempts {} epoch {}: granted once its lease ends in {} s"
              + " or it releases",
          request.cluster(),
          request.site(),
          holder.site(),
          holder.epoch(),
          remaining);
    }
    if (!request.force()) {
      return TicketResult.refused(
          current,
          "held by "
              + holder.site()
              + " epoch "
              + holder.epoch()
              + ", preempted by "
              + holder.preemptedBy()
              + "'s forced acquire");
    }
    return TicketResult.refused(
        current, TicketRequest.forcedWaitRefusal(holder.site(), Duration.ofSeconds(left)));
  }

  /**
   * Renews. When this client holds the ticket it was granted ({@link #held}), a renewal is a single
   * lease keep-alive: the holder key lives on that lease, and nobody else can be granted while it
   * exists (a forced takeover revokes it first), so a live lease is a held ticket. A keep-alive
   * inside the grace window extends it too, as the built-in witness accepts a renewal after expiry
   * while nobody else was granted. Otherwise (a restarted agent, a TTL change) the ticket is read
   * and checked first.
   */
  @Override
  public TicketResult renew(TicketRequest request) {
    Held h = held.get(request.cluster());
    if (h != null
        && h.holder().site().equals(request.site())
        && h.holder().epoch() == request.epoch()
        && seconds(h.holder().ttl()) == seconds(request.ttl())) {
      long remaining;
      try {
        remaining =
            calls.await(client.getLeaseClient().keepAliveOnce(h.leaseId()), "keep-alive").getTTL();
      } catch (EtcdCalls.LeaseGone e) {
        remaining = -1;
      }
      if (remaining <= 0) {
        // the lease is gone (ended, or revoked by a forced acquire): never answer with our own
        // ticket (a preempted key still names us), so the holder takes it as lost and fences now
        held.remove(request.cluster(), h);
        Ticket now = observe(request.cluster()).orElse(null);
        return TicketResult.refused(
            now != null && now.heldBy(request.site(), request.epoch()) ? null : now,
            "not renewed: the lease of epoch " + request.epoch() + " ended");
      }
      return TicketResult.granted(
          ticket(request.cluster(), h.holder(), remaining), "renewed epoch " + request.epoch());
    }
    return renewByReading(request);
  }

  private TicketResult renewByReading(TicketRequest request) {
    State state = read(request.cluster());
    if (state.holder.isEmpty()) {
      return TicketResult.refused(null, "not renewed: no ticket (expired or released)");
    }
    HolderRecord holder = state.holderRecord();
    KeyValue kv = state.holder.get();
    if (!holder.site().equals(request.site()) || holder.epoch() != request.epoch()) {
      return TicketResult.refused(
          ticket(request.cluster(), holder, remainingSeconds(kv.getLease())),
          "not renewed: held by " + holder.site() + " epoch " + holder.epoch());
    }
    if (holder.preempted()) {
      return TicketResult.refused(
          null,
          "not renewed: epoch "
              + holder.epoch()
              + " was preempted by "
              + holder.preemptedBy()
              + "'s forced acquire");
    }
    long remaining = remainingSeconds(kv.getLease());
    if (remaining <= config.graceSeconds()) {
      return TicketResult.refused(
          ticket(request.cluster(), holder, remaining),
          "not renewed: epoch " + holder.epoch() + " expired on the witness's clock");
    }
    if (seconds(request.ttl()) != seconds(holder.ttl())) {
      return changeTtl(request, state, holder);
    }
    try {
      calls.await(client.getLeaseClient().keepAliveOnce(kv.getLease()), "keep-alive");
    } catch (EtcdCalls.LeaseGone e) {
      return TicketResult.refused(null, "not renewed: the lease ended");
    }
    // Nothing may have replaced the holder between our read and the keep-alive (a forced takeover).
    TxnResponse check =
        calls.await(
            client
                .getKVClient()
                .txn()
                .If(
                    new Cmp(
                        state.holderKey, Cmp.Op.EQUAL, CmpTarget.modRevision(kv.getModRevision())))
                .commit(),
            "renew check");
    if (!check.isSucceeded()) {
      return TicketResult.refused(
          observe(request.cluster()).orElse(null), "not renewed: the holder changed");
    }
    held.put(request.cluster(), new Held(holder, kv.getLease()));
    return TicketResult.granted(
        ticket(request.cluster(), holder, seconds(holder.ttl()) + config.graceSeconds()),
        "renewed epoch " + holder.epoch());
  }

  @Override
  public void release(String cluster, String site, long epoch) {
    held.remove(cluster);
    State state = read(cluster);
    if (state.holder.isEmpty()) {
      return;
    }
    HolderRecord holder = state.holderRecord();
    if (!holder.site().equals(site) || holder.epoch() != epoch) {
      return;
    }
    KeyValue kv = state.holder.get();
    TxnResponse r =
        calls.await(
            client
                .getKVClient()
                .txn()
                .If(
                    new Cmp(
                        state.holderKey, Cmp.Op.EQUAL, CmpTarget.modRevision(kv.getModRevision())))
                .Then(Op.delete(state.holderKey, DeleteOption.DEFAULT))
                .commit(),
            "release");
    if (r.isSucceeded()) {
      revokeQuietly(kv.getLease());
    }
  }

  @Override
  public Optional<Ticket> observe(String cluster) {
    State state = read(cluster);
    if (state.holder.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        ticket(cluster, state.holderRecord(), remainingSeconds(state.holder.get().getLease())));
  }

  @Override
  public void close() {
    client.close();
  }

  // --- internals -------------------------------------------------------------------------------

  private TicketResult grant(TicketRequest request, State state, String verb) {
    if (state.holder.isPresent()) {
      // A forced takeover or our own lapsed ticket: end the old lease first (its key goes with
      // it), so an old holder's keep-alive can never succeed once anyone else holds the ticket.
      try {
        calls.await(
            client.getLeaseClient().revoke(state.holder.get().getLease()), "revoke old lease");
      } catch (EtcdCalls.LeaseGone e) {
        // already ended
      }
      state = read(request.cluster());
      if (state.holder.isPresent()) {
        return TicketResult.refused(
            observe(request.cluster()).orElse(null), "not granted: another site acquired first");
      }
    }
    long leaseSeconds = seconds(request.ttl()) + config.graceSeconds();
    long lease = calls.await(client.getLeaseClient().grant(leaseSeconds), "lease grant").getID();
    // Lift past any epoch the requester has seen (a restored or recreated key space).
    long next = Math.max(state.epoch, request.epoch()) + 1;
    HolderRecord holder = new HolderRecord(request.site(), next, request.ttl());
    List<Cmp> conditions = new ArrayList<>();
    conditions.add(new Cmp(state.holderKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0)));
    conditions.add(
        new Cmp(state.epochKey, Cmp.Op.EQUAL, CmpTarget.modRevision(state.epochModRevision)));
    TxnResponse r;
    try {
      r =
          calls.await(
              client
                  .getKVClient()
                  .txn()
                  .If(conditions.toArray(new Cmp[0]))
                  .Then(
                      Op.put(state.epochKey, bytes(Long.toString(next)), PutOption.DEFAULT),
                      Op.put(
                          state.holderKey,
                          bytes(holder.encode()),
                          PutOption.builder().withLeaseId(lease).build()))
                  .commit(),
              "grant");
    } catch (RuntimeException e) {
      revokeQuietly(lease);
      throw e;
    }
    if (!r.isSucceeded()) {
      revokeQuietly(lease);
      return TicketResult.refused(
          observe(request.cluster()).orElse(null), "not granted: another site acquired first");
    }
    held.put(request.cluster(), new Held(holder, lease));
    return TicketResult.granted(
        ticket(request.cluster(), holder, leaseSeconds), verb + " epoch " + next);
  }

  private TicketResult changeTtl(TicketRequest request, State state, HolderRecord holder) {
    KeyValue kv = state.holder.get();
    long leaseSeconds = seconds(request.ttl()) + config.graceSeconds();
    long lease = calls.await(client.getLeaseClient().grant(leaseSeconds), "lease grant").getID();
    HolderRecord renewed = new HolderRecord(holder.site(), holder.epoch(), request.ttl());
    TxnResponse r =
        calls.await(
            client
                .getKVClient()
                .txn()
                .If(
                    new Cmp(
                        state.holderKey, Cmp.Op.EQUAL, CmpTarget.modRevision(kv.getModRevision())))
                .Then(
                    Op.put(
                        state.holderKey,
                        bytes(renewed.encode()),
                        PutOption.builder().withLeaseId(lease).build()))
                .commit(),
            "renew with new ttl");
    if (!r.isSucceeded()) {
      revokeQuietly(lease);
      return TicketResult.refused(
          observe(request.cluster()).orElse(null), "not renewed: the holder changed");
    }
    revokeQuietly(kv.getLease());
    held.put(request.cluster(), new Held(renewed, lease));
    return TicketResult.granted(
        ticket(request.cluster(), renewed, leaseSeconds),
        "renewed epoch " + holder.epoch() + " with ttl " + request.ttl());
  }

  private State read(String cluster) {
    ByteSequence dir = bytes(config.keyPrefix() + cluster + "/");
    ByteSequence epochKey = bytes(config.keyPrefix() + cluster + "/epoch");
    ByteSequence holderKey = bytes(config.keyPrefix() + cluster + "/holder");
    GetResponse r =
        calls.await(
            client.getKVClient().get(dir, GetOption.builder().isPrefix(true).build()),
            "read " + cluster);
    long epoch = 0;
    long epochModRevision = 0;
    KeyValue holder = null;
    for (KeyValue kv : r.getKvs()) {
      if (kv.getKey().equals(epochKey)) {
        epoch = Long.parseLong(kv.getValue().toString(StandardCharsets.UTF_8).trim());
        epochModRevision = kv.getModRevision();
      } else if (kv.getKey().equals(holderKey)) {
        holder = kv;
      }
    }
    return new State(epochKey, holderKey, epoch, epochModRevision, Optional.ofNullable(holder));
  }

  /** Seconds left on a lease by etcd's clock; -1 if it no longer exists. */
  private long remainingSeconds(long leaseId) {
    return calls
        .await(client.getLeaseClient().timeToLive(leaseId, LeaseOption.DEFAULT), "lease ttl")
        .getTTL();
  }

  private Ticket ticket(String cluster, HolderRecord holder, long leaseRemainingSeconds) {
    long validSeconds = Math.max(0, leaseRemainingSeconds - config.graceSeconds());
    Instant expiry = clock.instant().plusSeconds(validSeconds);
    return new Ticket(cluster, holder.site(), holder.epoch(), expiry, holder.ttl());
  }

  private void revokeQuietly(long leaseId) {
    try {
      calls.await(client.getLeaseClient().revoke(leaseId), "lease revoke");
    } catch (RuntimeException e) {
      // The lease ends by itself at its TTL; a failed revoke only delays nothing we rely on.
    }
  }

  private static long seconds(Duration d) {
    return Math.max(1, (d.toMillis() + 999) / 1000);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private record State(
      ByteSequence epochKey,
      ByteSequence holderKey,
      long epoch,
      long epochModRevision,
      Optional<KeyValue> holder) {

    HolderRecord holderRecord() {
      return HolderRecord.decode(
          holderKey.toString(StandardCharsets.UTF_8),
          holder.orElseThrow().getValue().toString(StandardCharsets.UTF_8));
    }
  }
}
