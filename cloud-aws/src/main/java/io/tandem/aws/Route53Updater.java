package io.tandem.aws;

import io.tandem.aws.internal.AwsCalls;
import io.tandem.core.error.ConflictException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.witness.FencingToken;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.ListResourceRecordSetsResponse;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;
import software.amazon.awssdk.services.route53.waiters.Route53Waiter;

/**
 * Changes Route 53 record sets with compare-and-set and records the epoch next to them.
 *
 * <p>A {@link #replace} is one {@code ChangeResourceRecordSets} batch that DELETEs the record
 * exactly as read (values, TTL, routing) and CREATEs the desired one; Route 53 applies a batch
 * atomically and rejects a DELETE whose values no longer match ({@code InvalidChangeBatch} → {@link
 * ConflictException}), so a concurrent change is never overwritten. In the same batch the TXT
 * record {@code _tandem.<name>} ({@code "tandem epoch=7 site=b cluster=c"}) is replaced the same
 * way, and a change is refused ({@link StaleEpochException}) when it records a newer epoch. With
 * {@link Route53Settings#upsert()} the batch UPSERTs instead (no compare-and-set; the epoch check
 * still runs). The call waits for INSYNC with the SDK's waiter (bounded by {@link
 * Route53Settings#syncTimeout()}) and verifies by reading the record back.
 *
 * <p>Calls per change: one {@code ListResourceRecordSets} reads the record and its epoch TXT
 * together (Route 53 sorts names with labels reversed, so {@code _tandem.sip.example.com.} follows
 * {@code sip.example.com.}), one {@code ChangeResourceRecordSets}, {@code GetChange} until INSYNC
 * (one against the emulator, typically a few on AWS), one {@code ListResourceRecordSets} to verify.
 * A repeated change costs one read.
 *
 * <p>Thread-safe. Supports A, AAAA, CNAME, SRV, TXT and weighted/failover routing (configured per
 * record in {@link Route53Settings}). Alias records are not supported.
 */
public final class Route53Updater implements DnsUpdater {

  static final String EPOCH_PREFIX = "_tandem.";
  private static final Pattern EPOCH = Pattern.compile("epoch=(\\d+)");

  private final Route53Client route53;
  private final Route53Settings settings;
  private final AwsCalls aws = new AwsCalls("global (Route 53)");
  private final Map<String, String> zoneIds = new ConcurrentHashMap<>();
  private final Route53Waiter waiter;

  public Route53Updater(Route53Client route53, Route53Settings settings) {
    this.route53 = Objects.requireNonNull(route53, "route53");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.zoneIds.putAll(settings.hostedZoneIds());
    long attempts = settings.syncTimeout().toMillis() / settings.syncPollInterval().toMillis() + 2;
    this.waiter =
        Route53Waiter.builder()
            .client(route53)
            .overrideConfiguration(
                WaiterOverrideConfiguration.builder()
                    .waitTimeout(settings.syncTimeout())
                    .maxAttempts((int) Math.min(Integer.MAX_VALUE, attempts))
                    .backoffStrategyV2(
                        BackoffStrategy.exponentialDelayHalfJitter(
                            settings.syncPollInterval(), settings.syncMaxPollInterval()))
                    .build())
            .build();
  }

  @Override
  public String provider() {
    return "aws-route53";
  }

  @Override
  public Optional<DnsRecord> observe(String zone, String name, String type) {
    return read(zone, name, type).record().map(rr -> toDnsRecord(zone, rr));
  }

  /** The epoch recorded in {@code _tandem.<name>} (0 if none). */
  public long recordedEpoch(String zone, String name, String type) {
    return read(zone, name, type).epoch();
  }

  @Override
  public DnsRecord replace(Optional<DnsRecord> expected, DnsRecord desired, FencingToken token) {
    String zoneId = zoneId(desired.zone());
    Snapshot now = read(desired.zone(), desired.name(), desired.type());
    if (!token.mayOverwrite(now.epoch())) {
      throw new StaleEpochException(describe(desired), token.epoch(), now.epoch());
    }
    Optional<DnsRecord> current = now.record().map(rr -> toDnsRecord(desired.zone(), rr));
    boolean recordDone = current.filter(c -> same(c, desired)).isPresent();
    boolean epochDone = !settings.recordEpoch() || now.epochRecords(token);
    if (recordDone && epochDone) {
      return current.get();
    }
    if (!recordDone && !settings.upsert() && !sameOrBothEmpty(expected, current)) {
      throw new ConflictException(
          describe(desired)
              + " changed since it was observed: expected "
              + expected.map(DnsRecord::values).map(Object::toString).orElse("no record")
              + ", found "
              + current.map(DnsRecord::values).map(Object::toString).orElse("no record"));
    }
    List<Change> changes = new ArrayList<>();
    if (!recordDone) {
      changes.addAll(swap(now.record(), toRecordSet(desired)));
    }
    if (!epochDone) {
      changes.addAll(swap(now.epochRecord(), epochRecordSet(desired.name(), token)));
    }
    Optional<String> changeId = change(zoneId, desired, changes, token);
    if (changeId.isPresent()) {
      awaitInsync(changeId.get(), desired);
    }
    Snapshot after = read(desired.zone(), desired.name(), desired.type());
    if (settings.recordEpoch() && after.epoch() > token.epoch()) {
      throw new StaleEpochException(describe(desired), token.epoch(), after.epoch());
    }
    DnsRecord readBack =
        after
            .record()
            .map(rr -> toDnsRecord(desired.zone(), rr))
            .filter(r -> same(r, desired))
            .orElseThrow(
                () ->
                    new ConflictException(
                        describe(desired)
                            + " does not read back as written: changed concurrently"));
    return readBack;
  }

  @Override
  public boolean verify(DnsRecord desired) {
    return observe(desired.zone(), desired.name(), desired.type())
        .filter(r -> same(r, desired))
        .isPresent();
  }

  /**
   * TTL policy for a planned switchover: lowers the record's TTL to {@code switchoverTtl} ahead of
   * the switch (compare-and-set like any change), so resolvers drop the old answer quickly when the
   * value changes. Idempotent; does nothing if the TTL is already at most {@code switchoverTtl}.
   * The runbook waits {@link TtlLowering#waitBeforeSwitch()} (the old TTL) before switching, so
   * every cache has seen the short TTL.
   *
   * @throws ResourceNotFoundException if the record does not exist
   */
  public TtlLowering lowerTtl(
      String zone, String name, String type, long switchoverTtl, FencingToken token) {
    DnsRecord current =
        observe(zone, name, type)
            .orElseThrow(
                () ->
                    new ResourceNotFoundException(
                        "cannot lower the TTL of " + name + " " + type + ": no such record"));
    if (current.ttl() <= switchoverTtl) {
      return new TtlLowering(current, Duration.ZERO);
    }
    DnsRecord lowered = replace(Optional.of(current), current.withTtl(switchoverTtl), token);
    return new TtlLowering(lowered, Duration.ofSeconds(current.ttl()));
  }

  /**
   * @param record the record after lowering its TTL
   * @param waitBeforeSwitch how long caches may still hold the record with its old TTL
   */
  public record TtlLowering(DnsRecord record, Duration waitBeforeSwitch) {}

  private List<Change> swap(Optional<ResourceRecordSet> old, ResourceRecordSet desired) {
    if (settings.upsert()) {
      return List.of(
          Change.builder().action(ChangeAction.UPSERT).resourceRecordSet(desired).build());
    }
    List<Change> changes = new ArrayList<>(2);
    old.ifPresent(
        rr ->
            changes.add(
                Change.builder().action(ChangeAction.DELETE).resourceRecordSet(rr).build()));
    changes.add(Change.builder().action(ChangeAction.CREATE).resourceRecordSet(desired).build());
    return changes;
  }

  /**
   * Sends the batch. Returns its change id, or empty when Route 53 refused it because an earlier
   * attempt of this same batch was already applied: the SDK retries a request whose answer was lost
   * (I/O error), and the retry's DELETE no longer matches. Then the record set and the epoch TXT
   * hold exactly what this batch writes, under this token, and that is success. (The lost attempt's
   * change id is gone with its answer, so there is no INSYNC to wait for; {@link #verify} reads the
   * record back as usual.)
   */
  private Optional<String> change(
      String zoneId, DnsRecord desired, List<Change> changes, FencingToken token) {
    try {
      return Optional.of(
          route53
              .changeResourceRecordSets(
                  r ->
                      r.hostedZoneId(zoneId)
                          .changeBatch(
                              b ->
                                  b.comment("tandem: " + desired.name() + " " + desired.type())
                                      .changes(changes)))
              .changeInfo()
              .id());
    } catch (AwsServiceException e) {
      if (AwsCalls.errorCode(e).equals("InvalidChangeBatch")) {
        Snapshot now = read(desired.zone(), desired.name(), desired.type());
        boolean ours =
            now.record()
                    .map(rr -> toDnsRecord(desired.zone(), rr))
                    .filter(r -> same(r, desired))
                    .isPresent()
                && (!settings.recordEpoch() || now.epochRecords(token));
        if (ours) {
          return Optional.empty();
        }
        throw new ConflictException(
            describe(desired)
                + " changed concurrently: Route 53 rejected the compare-and-set batch ("
                + e.awsErrorDetails().errorMessage()
                + ")",
            e);
      }
      throw aws.translate("route53:ChangeResourceRecordSets", "hosted zone " + zoneId, e);
    } catch (SdkException e) {
      throw aws.translate("route53:ChangeResourceRecordSets", "hosted zone " + zoneId, e);
    }
  }

  private void awaitInsync(String changeId, DnsRecord desired) {
    try {
      waiter.waitUntilResourceRecordSetsChanged(r -> r.id(changeId));
    } catch (SdkException e) {
      if (e instanceof AwsServiceException) {
        throw aws.translate("route53:GetChange", "change " + changeId, e);
      }
      if (e.getCause() instanceof AwsServiceException refused) {
        // The waiter wraps an answer no acceptor matches (e.g. AccessDenied) in a client
        // exception: that is a refusal of GetChange, not a change that is slow to sync.
        throw aws.translate("route53:GetChange", "change " + changeId, refused);
      }
      throw new TransientException(
          describe(desired)
              + ": change "
              + changeId
              + " was accepted but not INSYNC within "
              + settings.syncTimeout().toSeconds()
              + " s ("
              + e.getMessage()
              + ")",
          e);
    }
  }

  /** The record set and the epoch TXT, with one list call in the common case. */
  private Snapshot read(String zone, String name, String type) {
    String zoneId = zoneId(zone);
    String owner = absolute(name);
    String upperType = type.toUpperCase(Locale.ROOT);
    String epochName = EPOCH_PREFIX + owner;
    Optional<RecordRouting> routing = settings.routingOf(owner, upperType);
    ListResourceRecordSetsResponse page = list(zoneId, owner, upperType, 50);
    Optional<ResourceRecordSet> record =
        page.resourceRecordSets().stream()
            .filter(rr -> matches(rr, owner, upperType, routing))
            .findFirst();
    Optional<ResourceRecordSet> epoch = findEpoch(page, epochName);
    if (epoch.isEmpty() && settings.recordEpoch() && mayContinue(page, epochName)) {
      epoch = findEpoch(list(zoneId, epochName, "TXT", 1), epochName);
    }
    return new Snapshot(record, epoch);
  }

  private static Optional<ResourceRecordSet> findEpoch(
      ListResourceRecordSetsResponse page, String epochName) {
    return page.resourceRecordSets().stream()
        .filter(rr -> matches(rr, epochName, "TXT", Optional.empty()))
        .findFirst();
  }

  /** Whether the epoch TXT may be on a later page (the page ended before its sort position). */
  private static boolean mayContinue(ListResourceRecordSetsResponse page, String epochName) {
    return Boolean.TRUE.equals(page.isTruncated())
        && reversed(page.nextRecordName()).compareTo(reversed(epochName)) <= 0;
  }

  private ListResourceRecordSetsResponse list(String zoneId, String name, String type, int max) {
    return aws.call(
        "route53:ListResourceRecordSets",
        "hosted zone " + zoneId,
        () ->
            route53.listResourceRecordSets(
                r ->
                    r.hostedZoneId(zoneId)
                        .startRecordName(name)
                        .startRecordType(type)
                        .maxItems(Integer.toString(max))));
  }

  private String zoneId(String zone) {
    String key = absolute(zone);
    String known = zoneIds.get(key);
    if (known != null) {
      return known;
    }
    var zones =
        aws.call(
            "route53:ListHostedZonesByName",
            "zone " + key,
            () -> route53.listHostedZonesByName(r -> r.dnsName(key).maxItems("10")));
    String id =
        zones.hostedZones().stream()
            .filter(z -> absolute(z.name()).equals(key))
            .filter(z -> z.config() == null || !Boolean.TRUE.equals(z.config().privateZone()))
            .map(z -> bareZoneId(z.id()))
            .findFirst()
            .orElseThrow(
                () ->
                    new ResourceNotFoundException(
                        "no public Route 53 hosted zone named "
                            + key
                            + ": create it, or configure its hosted zone id"));
    zoneIds.put(key, id);
    return id;
  }

  private static boolean matches(
      ResourceRecordSet rr, String owner, String type, Optional<RecordRouting> routing) {
    return absolute(rr.name()).equals(owner)
        && rr.typeAsString().equals(type)
        && Objects.equals(
            rr.setIdentifier(), routing.map(RecordRouting::setIdentifier).orElse(null));
  }

  private ResourceRecordSet toRecordSet(DnsRecord r) {
    String owner = absolute(r.name());
    String type = r.type().toUpperCase(Locale.ROOT);
    ResourceRecordSet.Builder b =
        ResourceRecordSet.builder()
            .name(owner)
            .type(type)
            .ttl(r.ttl())
            .resourceRecords(
                r.values().stream().map(v -> ResourceRecord.builder().value(v).build()).toList());
    settings
        .routingOf(owner, type)
        .ifPresent(
            routing -> {
              b.setIdentifier(routing.setIdentifier());
              routing.weight().ifPresent(b::weight);
              routing.failover().ifPresent(b::failover);
              routing.healthCheckId().ifPresent(b::healthCheckId);
            });
    return b.build();
  }

  private ResourceRecordSet epochRecordSet(String name, FencingToken token) {
    String value =
        "\"tandem epoch="
            + token.epoch()
            + " site="
            + token.site()
            + " cluster="
            + token.cluster()
            + "\"";
    return ResourceRecordSet.builder()
        .name(EPOCH_PREFIX + absolute(name))
        .type("TXT")
        .ttl(settings.epochTtl())
        .resourceRecords(ResourceRecord.builder().value(value).build())
        .build();
  }

  private static DnsRecord toDnsRecord(String zone, ResourceRecordSet rr) {
    return new DnsRecord(
        absolute(zone),
        absolute(rr.name()),
        rr.typeAsString(),
        rr.ttl() == null ? 0 : rr.ttl(),
        rr.resourceRecords().stream().map(ResourceRecord::value).toList());
  }

  /** Same owner, type, TTL and values (in any order). */
  static boolean same(DnsRecord a, DnsRecord b) {
    return absolute(a.name()).equals(absolute(b.name()))
        && a.type().equalsIgnoreCase(b.type())
        && a.ttl() == b.ttl()
        && sorted(a.values()).equals(sorted(b.values()));
  }

  private static boolean sameOrBothEmpty(Optional<DnsRecord> a, Optional<DnsRecord> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return a.isEmpty() && b.isEmpty();
    }
    return same(a.get(), b.get());
  }

  private static List<String> sorted(List<String> values) {
    List<String> copy = new ArrayList<>(values);
    Collections.sort(copy);
    return copy;
  }

  private static String describe(DnsRecord r) {
    return "Route 53 record " + absolute(r.name()) + " " + r.type();
  }

  /** Lower case with a trailing dot; Route 53 answers {@code \052} for a leading wildcard. */
  static String absolute(String name) {
    String n = name.toLowerCase(Locale.ROOT).replace("\\052", "*");
    return n.endsWith(".") ? n : n + ".";
  }

  static String bareZoneId(String id) {
    return id.startsWith("/hostedzone/") ? id.substring("/hostedzone/".length()) : id;
  }

  /** {@code sip.example.com.} → {@code com.example.sip}: Route 53's listing order. */
  private static String reversed(String name) {
    if (name == null) {
      return "";
    }
    List<String> labels = new ArrayList<>(List.of(absolute(name).split("\\.")));
    Collections.reverse(labels);
    return String.join(".", labels);
  }

  private record Snapshot(
      Optional<ResourceRecordSet> record, Optional<ResourceRecordSet> epochRecord) {

    long epoch() {
      return epochRecord.flatMap(Snapshot::epochOf).orElse(0L);
    }

    boolean epochRecords(FencingToken token) {
      return epochRecord
          .map(rr -> rr.resourceRecords().stream().map(ResourceRecord::value).toList())
          .filter(v -> v.size() == 1)
          .map(v -> v.getFirst())
          .filter(
              v ->
                  v.contains("epoch=" + token.epoch() + " ")
                      && v.contains("site=" + token.site() + " ")
                      && v.contains("cluster=" + token.cluster() + "\""))
          .isPresent();
    }

    private static Optional<Long> epochOf(ResourceRecordSet rr) {
      for (ResourceRecord value : rr.resourceRecords()) {
        Matcher m = EPOCH.matcher(value.value());
        if (m.find()) {
          return Optional.of(Long.parseLong(m.group(1)));
        }
      }
      return Optional.empty();
    }
  }
}
