package io.tandem.azure;

import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobLeaseRequestConditions;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.LeaseStateType;
import com.azure.storage.blob.options.BlobAcquireLeaseOptions;
import com.azure.storage.blob.options.BlobBreakLeaseOptions;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.azure.storage.blob.options.BlobReleaseLeaseOptions;
import com.azure.storage.blob.options.BlobRenewLeaseOptions;
import com.azure.storage.blob.specialized.BlobLeaseClient;
import com.azure.storage.blob.specialized.BlobLeaseClientBuilder;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.TandemException;
import io.tandem.core.error.TransientException;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.Witness;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A witness kept in Azure Blob Storage: one blob per cluster ({@code <prefix><cluster>}), held with
 * a blob lease; the ticket (epoch, holder, expiry, TTL) lives in the blob's metadata.
 *
 * <p><b>Who may hold it.</b> Azure grants a blob lease to one lease id at a time, atomically, and
 * enforces its duration (15–60 s) on the storage service's clock: that is the "witness clock" of
 * this backend. A requester acquires the lease with {@code If-Match} on the ETag it just read, so
 * two agents racing from the same state cannot both win (the loser gets 409 or 412 and is refused).
 * Holding the lease, the winner writes epoch + 1 into the metadata with {@code If-Match} and the
 * lease id before answering: the grant is persisted first. Epochs therefore only grow, also across
 * restarts of anything (the blob is the state). Lease ids are derived from cluster and site, so a
 * restarted agent of the holding site can renew its own lease.
 *
 * <p><b>Grace.</b> After the lease has expired on the storage clock, another site may acquire only
 * once {@code recorded expiry + grace} has passed on <em>its own</em> injectable {@link Clock} (the
 * recorded expiry was written by the holder from its clock). The lease guarantees mutual exclusion
 * regardless of clocks; the grace adds the margin the protocol asks for, and must exceed the clock
 * skew between agents (keep them on NTP). A forced acquire preempts the holder: it breaks the lease
 * with the longest break period, so renewals fail at once but the lease ends only when it would
 * have; it is granted after that plus the grace, or at once after the holder released. Only a
 * requester that reports itself healthy may take the ticket from nobody or from another site,
 * unless forced; a holder's renewal does not depend on its health.
 *
 * <p>TTLs outside 15–60 s are clamped to that range (the granted {@link Ticket#ttl()} says which).
 * Every call is bounded by {@code timeout}; storage errors other than refusals become {@link
 * TransientException} (unreachable), {@link PermissionException} (403: grant the data-plane role)
 * or {@link ResourceNotFoundException} (missing container). Thread-safe: no mutable state besides
 * the SDK clients.
 */
public final class BlobLeaseWitness implements Witness {

  static final String EPOCH = "tandem_epoch";
  static final String HOLDER = "tandem_holder";
  static final String EXPIRY = "tandem_expiry_ms";
  static final String TTL = "tandem_ttl_ms";
  private static final Duration MIN_LEASE = Duration.ofSeconds(15);
  private static final Duration MAX_LEASE = Duration.ofSeconds(60);
  private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final Logger LOG = LoggerFactory.getLogger(BlobLeaseWitness.class);

  private final BlobContainerClient container;
  private final String prefix;
  private final Clock clock;
  private final Duration grace;
  private final Duration timeout;

  private BlobLeaseWitness(Builder b) {
    this.container = b.container;
    this.prefix = b.prefix;
    this.clock = b.clock;
    this.grace = b.grace;
    this.timeout = b.timeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public TicketResult acquire(TicketRequest request) {
    BlobClient blob = blob(request.cluster());
    BlobProperties props = readOrCreate(blob);
    Optional<Ticket> current = ticket(request.cluster(), props);
    String refusal = request.unacknowledgedForceRefusal();
    if (refusal != null) {
      return TicketResult.refused(current.orElse(null), refusal);
    }
    BlobLeaseClient lease = lease(blob, request.cluster(), request.site());
    LeaseStateType state = props.getLeaseState();
    boolean leased = state == LeaseStateType.LEASED || state == LeaseStateType.BREAKING;
    boolean mine = current.filter(t -> t.holder().equals(request.site())).isPresent();

    if (leased && mine && state == LeaseStateType.LEASED) {
      // Already ours: a renewal under the same epoch.
      return renew(
          TicketRequest.renew(
              request.cluster(),
              request.site(),
              request.healthy(),
              request.ttl(),
              current.get().epoch()));
    }
    if (!request.healthy() && !request.force()) {
      return TicketResult.refused(current.orElse(null), "not granted: requester is not healthy");
    }
    if (leased) {
      if (!request.force()) {
        return TicketResult.refused(
            current.orElse(null),
            "held by "
                + current.map(t -> t.holder() + " epoch " + t.epoch()).orElse("an unknown holder")
                + " (blob lease active)");
      }
      return preempt(request, lease, current, state);
    } else if (current.isPresent() && !mine && !(request.force() && released(props))) {
      Instant free = current.get().expiry().plus(grace);
      Instant now = clock.instant();
      if (now.isBefore(free)) {
        if (request.force()) {
          return TicketResult.refused(
              current.get(),
              TicketRequest.forcedWaitRefusal(current.get().holder(), Duration.between(now, free)));
        }
        return TicketResult.refused(
            current.get(),
            "held by "
                + current.get().holder()
                + " epoch "
                + current.get().epoch()
                + " until "
                + current.get().expiry()
                + "; grace ends "
                + free);
      }
    }

    Duration ttl = leaseDuration(request.ttl());
    String etag = props.getETag();
    try {
      lease.acquireLeaseWithResponse(
          new BlobAcquireLeaseOptions((int) ttl.toSeconds())
              .setRequestConditions(new BlobLeaseRequestConditions().setIfMatch(etag)),
          timeout,
          Context.NONE);
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 409 || e.getStatusCode() == 412) {
        return TicketResult.refused(
            observe(request.cluster()).orElse(null), "lost the race for the lease");
      }
      throw translate("acquire lease", e);
    } catch (RuntimeException e) {
      throw translate("acquire lease", e);
    }
    // Lift past any epoch the requester has seen (a recreated blob or container).
    long epoch = Math.max(current.map(Ticket::epoch).orElse(0L), request.epoch()) + 1;
    Ticket granted =
        new Ticket(request.cluster(), request.site(), epoch, clock.instant().plus(ttl), ttl);
    try {
      writeTicket(blob, granted, lease.getLeaseId(), etag);
    } catch (RuntimeException e) {
      // Not persisted: give the lease back so nobody waits for a grant that never happened.
      releaseQuietly(lease);
      throw e;
    }
    LOG.info("granted {} epoch {} to {}", request.cluster(), epoch, request.site());
    return TicketResult.granted(granted, "granted epoch " + epoch);
  }

  /**
   * A forced acquire while the lease is held (docs/witness-protocol.md, rule 2): break it with the
   * longest break period, so it ends when it would have anyway (Azure keeps the shorter of the
   * break period and the time left) while the holder's renewals fail at once (a breaking lease
   * cannot be renewed) and it fences. Once broken, the forced acquire still waits the recorded
   * expiry + grace, as any acquire; a holder that releases (allowed while breaking) frees it at
   * once. See Azure's Lease Blob reference, "Breaking" state and {@code x-ms-lease-break-period}.
   */
  private TicketResult preempt(
      TicketRequest request,
      BlobLeaseClient lease,
      Optional<Ticket> current,
      LeaseStateType state) {
    Integer left;
    try {
      left =
          lease
              .breakLeaseWithResponse(
                  new BlobBreakLeaseOptions().setBreakPeriod(MAX_LEASE), timeout, Context.NONE)
              .getValue();
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 409 || e.getStatusCode() == 412) {
        return TicketResult.refused(
            observe(request.cluster()).orElse(null), "the lease changed meanwhile");
      }
      throw translate("break lease", e);
    } catch (RuntimeException e) {
      throw translate("break lease", e);
    }
    String holder = current.map(Ticket::holder).orElse("an unknown holder");
    if (state == LeaseStateType.LEASED) {
      LOG.warn(
          "forced acquire of {} by {} preempts {}: the lease breaks in {} s",
          request.cluster(),
          request.site(),
          holder,
          left);
    }
    return TicketResult.refused(
        current.orElse(null),
        TicketRequest.forcedWaitRefusal(
            holder, Duration.ofSeconds(left == null ? 0 : left).plus(grace)));
  }

  /** Released by its holder (not broken nor expired): a forced acquire need not wait the grace. */
  private static boolean released(BlobProperties props) {
    return props.getLeaseState() == LeaseStateType.AVAILABLE;
  }

  @Override
  public TicketResult renew(TicketRequest request) {
    BlobClient blob = blob(request.cluster());
    Optional<BlobProperties> props = read(blob);
    Optional<Ticket> current = props.flatMap(p -> ticket(request.cluster(), p));
    if (current.isEmpty() || !current.get().heldBy(request.site(), request.epoch())) {
      return TicketResult.refused(
          current.orElse(null),
          current
              .map(t -> "held by " + t.holder() + " epoch " + t.epoch())
              .orElse("no ticket recorded"));
    }
    BlobLeaseClient lease = lease(blob, request.cluster(), request.site());
    try {
      lease.renewLeaseWithResponse(new BlobRenewLeaseOptions(), timeout, Context.NONE);
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 409 || e.getStatusCode() == 412) {
        // no ticket in the answer: the metadata still names us, but the lease is breaking
        // (preempted by a forced acquire) or gone, so the holder must fence now
        return TicketResult.refused(null, "lease lost: " + e.getErrorCode());
      }
      throw translate("renew lease", e);
    } catch (RuntimeException e) {
      throw translate("renew lease", e);
    }
    Ticket renewed =
        new Ticket(
            request.cluster(),
            request.site(),
            request.epoch(),
            clock.instant().plus(current.get().ttl()),
            current.get().ttl());
    try {
      writeTicket(blob, renewed, lease.getLeaseId(), props.get().getETag());
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 409 || e.getStatusCode() == 412) {
        return TicketResult.refused(current.get(), "changed during renewal: " + e.getErrorCode());
      }
      throw translate("record renewal", e);
    }
    return TicketResult.granted(renewed, "renewed epoch " + request.epoch());
  }

  @Override
  public void release(String cluster, String site, long epoch) {
    BlobClient blob = blob(cluster);
    Optional<BlobProperties> props = read(blob);
    Optional<Ticket> current = props.flatMap(p -> ticket(cluster, p));
    if (current.isEmpty() || !current.get().heldBy(site, epoch)) {
      return;
    }
    BlobLeaseClient lease = lease(blob, cluster, site);
    Ticket ended = new Ticket(cluster, site, epoch, clock.instant(), current.get().ttl());
    try {
      writeTicket(blob, ended, lease.getLeaseId(), props.get().getETag());
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 409 || e.getStatusCode() == 412) {
        return; // not ours any more: nothing to release
      }
      throw translate("record release", e);
    }
    releaseQuietly(lease);
  }

  @Override
  public Optional<Ticket> observe(String cluster) {
    return read(blob(cluster)).flatMap(p -> ticket(cluster, p));
  }

  // ---- storage ----

  private void writeTicket(BlobClient blob, Ticket t, String leaseId, String ifMatch) {
    Map<String, String> md = new HashMap<>();
    md.put(EPOCH, Long.toString(t.epoch()));
    md.put(HOLDER, t.holder());
    md.put(EXPIRY, Long.toString(t.expiry().toEpochMilli()));
    md.put(TTL, Long.toString(t.ttl().toMillis()));
    BlobRequestConditions cond = new BlobRequestConditions().setLeaseId(leaseId);
    if (ifMatch != null) {
      cond.setIfMatch(ifMatch);
    }
    try {
      blob.setMetadataWithResponse(md, cond, timeout, Context.NONE);
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 409 || e.getStatusCode() == 412) {
        throw e; // the caller turns it into a refusal
      }
      throw translate("write ticket", e);
    } catch (RuntimeException e) {
      throw translate("write ticket", e);
    }
  }

  private BlobProperties readOrCreate(BlobClient blob) {
    Optional<BlobProperties> props = read(blob);
    if (props.isPresent()) {
      return props.get();
    }
    try {
      blob.uploadWithResponse(
          new BlobParallelUploadOptions(BinaryData.fromBytes(new byte[0]))
              .setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*")),
          timeout,
          Context.NONE);
    } catch (BlobStorageException e) {
      if (e.getStatusCode() != 409 && e.getStatusCode() != 412) {
        throw translate("create witness blob", e);
      }
    } catch (RuntimeException e) {
      throw translate("create witness blob", e);
    }
    return read(blob)
        .orElseThrow(() -> new TransientException("witness blob vanished: " + blob.getBlobName()));
  }

  private Optional<BlobProperties> read(BlobClient blob) {
    try {
      return Optional.of(blob.getPropertiesWithResponse(null, timeout, Context.NONE).getValue());
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 404 && e.getErrorCode() != BlobErrorCode.CONTAINER_NOT_FOUND) {
        return Optional.empty();
      }
      throw translate("read witness blob", e);
    } catch (RuntimeException e) {
      throw translate("read witness blob", e);
    }
  }

  private void releaseQuietly(BlobLeaseClient lease) {
    try {
      lease.releaseLeaseWithResponse(new BlobReleaseLeaseOptions(), timeout, Context.NONE);
    } catch (RuntimeException e) {
      LOG.debug("lease release failed (it will expire): {}", e.getMessage());
    }
  }

  private static Optional<Ticket> ticket(String cluster, BlobProperties props) {
    Map<String, String> md = props.getMetadata();
    if (md == null || md.get(EPOCH) == null || md.get(HOLDER) == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new Ticket(
              cluster,
              md.get(HOLDER),
              Long.parseLong(md.get(EPOCH)),
              Instant.ofEpochMilli(Long.parseLong(md.getOrDefault(EXPIRY, "0"))),
              Duration.ofMillis(Long.parseLong(md.getOrDefault(TTL, "15000")))));
    } catch (IllegalArgumentException e) {
      throw new io.tandem.core.error.ProtocolException(
          "witness blob for " + cluster + " holds unreadable ticket metadata", e);
    }
  }

  private BlobClient blob(String cluster) {
    if (cluster == null || !CLUSTER.matcher(cluster).matches()) {
      throw new ConfigException(
          "cluster: expected 1-63 letters, digits, '.', '_' or '-', was '" + cluster + "'");
    }
    return container.getBlobClient(prefix + cluster);
  }

  private static BlobLeaseClient lease(BlobClient blob, String cluster, String site) {
    String id =
        UUID.nameUUIDFromBytes(("tandem:" + cluster + ":" + site).getBytes(StandardCharsets.UTF_8))
            .toString();
    return new BlobLeaseClientBuilder().blobClient(blob).leaseId(id).buildClient();
  }

  static Duration leaseDuration(Duration requested) {
    if (requested.compareTo(MIN_LEASE) < 0) {
      return MIN_LEASE;
    }
    Duration whole = Duration.ofSeconds(requested.toSeconds());
    return whole.compareTo(MAX_LEASE) > 0 ? MAX_LEASE : whole;
  }

  private static void call(String what, Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      throw translate(what, e);
    }
  }

  private static TandemException translate(String what, RuntimeException e) {
    if (e instanceof TandemException t) {
      return t;
    }
    if (e instanceof BlobStorageException b) {
      if (b.getStatusCode() == 403 || b.getStatusCode() == 401) {
        // Azure Storage answers 403 AuthenticationFailed to a bad signature (wrong account key,
        // expired or tampered SAS), AuthorizationPermissionMismatch to an identity without the
        // data role, AuthorizationFailure to a request its network rules or SAS do not allow
        // (Azurite uses AuthorizationFailure for a bad signature too). The SDK's own message is
        // not used: it is long and names nothing we need.
        return new PermissionException(
            "witness: "
                + what
                + " refused by the storage account (HTTP "
                + b.getStatusCode()
                + " "
                + b.getErrorCode()
                + "): the storage account rejected the credential (wrong account key, expired SAS"
                + " token) or the identity lacks 'Storage Blob Data Contributor' on the witness"
                + " container",
            e);
      }
      if (b.getErrorCode() == BlobErrorCode.CONTAINER_NOT_FOUND) {
        return new ResourceNotFoundException("witness: container does not exist", e);
      }
      return new TransientException(
          "witness: " + what + " failed (HTTP " + b.getStatusCode() + " " + b.getErrorCode() + ")",
          e);
    }
    Throwable c = e;
    for (int i = 0; c != null && i < 16; i++, c = c.getCause()) {
      if (c instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return new TransientException(
        "witness: " + what + " failed: " + e.getClass().getSimpleName(), e);
  }

  /** Validating builder; not thread-safe. */
  public static final class Builder {
    private BlobContainerClient container;
    private String prefix = "tandem-witness-";
    private Clock clock = Clock.systemUTC();
    private Duration grace = Duration.ofSeconds(10);
    private Duration timeout = Duration.ofSeconds(5);

    private Builder() {}

    /**
     * The container holding the witness blobs, e.g. {@code new BlobContainerClientBuilder()
     * .endpoint("https://<account>.blob.core.windows.net/tandem-witness")
     * .credential(AzureClients.defaultCredential()).buildClient()}.
     */
    public Builder container(BlobContainerClient container) {
      this.container = container;
      return this;
    }

    public Builder blobPrefix(String prefix) {
      this.prefix = prefix;
      return this;
    }

    /** The requester's clock, used for recorded expiries and the grace period. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Builder grace(Duration grace) {
      this.grace = grace;
      return this;
    }

    /** Bound on each storage call. */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public BlobLeaseWitness build() {
      if (container == null) {
        throw new ConfigException("witness.azureBlob.container: required");
      }
      if (prefix == null || prefix.length() > 200) {
        throw new ConfigException("witness.azureBlob.blobPrefix: expected at most 200 characters");
      }
      Objects.requireNonNull(clock, "clock");
      if (grace == null || grace.isNegative()) {
        throw new ConfigException(
            "witness.azureBlob.grace: expected a duration >= 0, was " + grace);
      }
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new ConfigException(
            "witness.azureBlob.timeout: expected a positive duration, was " + timeout);
      }
      return new BlobLeaseWitness(this);
    }
  }
}
