package io.tandem.azure;

import com.azure.core.http.rest.Response;
import com.azure.core.util.Context;
import com.azure.resourcemanager.dns.fluent.RecordSetsClient;
import com.azure.resourcemanager.dns.fluent.models.RecordSetInner;
import com.azure.resourcemanager.dns.models.RecordType;
import io.tandem.azure.internal.ArmCall;
import io.tandem.azure.internal.EpochTags;
import io.tandem.azure.internal.RecordSetMapping;
import io.tandem.core.error.ConflictException;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.witness.FencingToken;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Azure DNS record sets (A, AAAA, CNAME, SRV, TXT) with ETag compare-and-set.
 *
 * <p>{@link #replace} reads the record set, refuses with {@link StaleEpochException} if its
 * metadata records a newer {@code tandem-epoch}, checks that it still equals {@code expected}
 * (otherwise {@link ConflictException}), then writes {@code desired} with {@code If-Match: <etag>}
 * (or {@code If-None-Match: *} when it must not exist yet), recording the token in the record set's
 * metadata, and reads it back. A concurrent writer between the read and the write makes Azure
 * answer 412, which is a {@link ConflictException}: the caller re-observes — unless the record set
 * then holds exactly {@code desired} and our token, which means an earlier attempt of this same
 * write was applied and only its answer was lost (the pipeline or the runbook retried): that is
 * success. If the record set already equals {@code desired} and records the token nothing is
 * written (idempotent); if it equals {@code desired} under an older epoch, the newer epoch is still
 * recorded (same ETag condition), so a stale writer is refused afterwards.
 *
 * <p>Azure DNS record set writes are synchronous (no long-running operation). {@link #verify} reads
 * the record set through ARM, the zone's source of truth, not a resolver cache. Every call is
 * bounded by the pipeline's HTTP timeouts and retries. Thread-safe.
 */
public final class AzureDnsUpdater implements DnsUpdater {

  private static final Logger LOG = LoggerFactory.getLogger(AzureDnsUpdater.class);

  private final RecordSetsClient recordSets;
  private final String zoneResourceGroup;

  /** Zones live in the site's resource group. */
  public AzureDnsUpdater(AzureClients clients) {
    this(clients, clients.settings().resourceGroup());
  }

  /** Zones live in {@code zoneResourceGroup} of the site's subscription. */
  public AzureDnsUpdater(AzureClients clients, String zoneResourceGroup) {
    this.recordSets = Objects.requireNonNull(clients, "clients").dns().getRecordSets();
    this.zoneResourceGroup = Objects.requireNonNull(zoneResourceGroup, "zoneResourceGroup");
  }

  @Override
  public String provider() {
    return "azure-dns";
  }

  @Override
  public Optional<DnsRecord> observe(String zone, String name, String type) {
    return read(zone, name, type).map(rs -> RecordSetMapping.toRecord(zone, name, type, rs));
  }

  @Override
  public DnsRecord replace(Optional<DnsRecord> expected, DnsRecord desired, FencingToken token) {
    Objects.requireNonNull(expected, "expected");
    Objects.requireNonNull(token, "token");
    String type = RecordSetMapping.type(desired);
    String zone = RecordSetMapping.zoneName(desired.zone());
    String relative = RecordSetMapping.relativeName(desired.zone(), desired.name());
    String what = type + " " + desired.name();

    Optional<RecordSetInner> current = read(desired.zone(), desired.name(), type);
    String ifMatch = null;
    String ifNoneMatch = null;
    if (current.isPresent()) {
      RecordSetInner rs = current.get();
      long recorded = EpochTags.epoch(rs.metadata());
      if (!token.mayOverwrite(recorded)) {
        throw new StaleEpochException(what, token.epoch(), recorded);
      }
      DnsRecord now = RecordSetMapping.toRecord(desired.zone(), desired.name(), type, rs);
      if (RecordSetMapping.sameData(now, desired)) {
        if (EpochTags.records(rs.metadata(), token)) {
          return now; // idempotent: the data and our epoch are already there
        }
        // The data is right but records an older epoch: record ours, so a stale writer is refused.
      } else if (expected.isEmpty()) {
        throw new ConflictException(what + " exists (" + now.values() + "), expected it absent");
      } else if (!RecordSetMapping.sameData(now, expected.get())) {
        throw new ConflictException(
            what
                + " is "
                + now.values()
                + " ttl "
                + now.ttl()
                + ", expected "
                + expected.get().values()
                + " ttl "
                + expected.get().ttl());
      }
      ifMatch = rs.etag();
    } else {
      if (expected.isPresent()) {
        throw new ConflictException(what + " does not exist, expected " + expected.get().values());
      }
      ifNoneMatch = "*";
    }

    RecordSetInner body =
        RecordSetMapping.toRecordSet(
            desired, EpochTags.with(current.map(RecordSetInner::metadata).orElse(null), token));
    String im = ifMatch;
    String inm = ifNoneMatch;
    try {
      ArmCall.run(
          ifNoneMatch != null ? "create DNS record set" : "update DNS record set",
          "Microsoft.Network/dnsZones/" + type + "/write",
          what,
          () ->
              recordSets.createOrUpdateWithResponse(
                  zoneResourceGroup,
                  zone,
                  relative,
                  RecordType.fromString(type),
                  body,
                  im,
                  inm,
                  Context.NONE));
    } catch (ConflictException e) {
      // 412: the ETag moved. If it moved because an earlier attempt of this very write was applied
      // (its answer lost, then retried by the pipeline or the runbook), the record set holds our
      // data and our epoch: that is success, not a conflict.
      Optional<DnsRecord> ours = ownEarlierWrite(desired, type, token);
      if (ours.isEmpty()) {
        throw e;
      }
      LOG.info(
          "{} already holds {} under {} (an earlier attempt applied)",
          what,
          desired.values(),
          token);
      return ours.get();
    }

    RecordSetInner after =
        read(desired.zone(), desired.name(), type)
            .orElseThrow(
                () -> new ConflictException(what + " vanished right after it was written"));
    DnsRecord back = RecordSetMapping.toRecord(desired.zone(), desired.name(), type, after);
    if (!RecordSetMapping.sameData(back, desired)
        || EpochTags.epoch(after.metadata()) != token.epoch()) {
      throw new ConflictException(
          "read back "
              + what
              + ": "
              + back.values()
              + " epoch "
              + EpochTags.epoch(after.metadata())
              + ", expected "
              + desired.values()
              + " epoch "
              + token.epoch());
    }
    LOG.info("{} set to {} under {}", what, desired.values(), token);
    return back;
  }

  @Override
  public boolean verify(DnsRecord desired) {
    return observe(desired.zone(), desired.name(), desired.type())
        .map(r -> RecordSetMapping.sameData(r, desired))
        .orElse(false);
  }

  /**
   * The record set if it holds exactly {@code desired}'s data and records exactly {@code token}.
   */
  private Optional<DnsRecord> ownEarlierWrite(DnsRecord desired, String type, FencingToken token) {
    return read(desired.zone(), desired.name(), type)
        .filter(rs -> EpochTags.records(rs.metadata(), token))
        .map(rs -> RecordSetMapping.toRecord(desired.zone(), desired.name(), type, rs))
        .filter(r -> RecordSetMapping.sameData(r, desired));
  }

  private Optional<RecordSetInner> read(String zone, String name, String type) {
    String t = type.toUpperCase(java.util.Locale.ROOT);
    String z = RecordSetMapping.zoneName(zone);
    String relative = RecordSetMapping.relativeName(zone, name);
    try {
      Response<RecordSetInner> r =
          ArmCall.run(
              "read DNS record set",
              "Microsoft.Network/dnsZones/" + t + "/read",
              t + " " + name,
              () ->
                  recordSets.getWithResponse(
                      zoneResourceGroup, z, relative, RecordType.fromString(t), Context.NONE));
      return Optional.ofNullable(r.getValue());
    } catch (ResourceNotFoundException e) {
      // A missing record set answers 404 like a missing zone; the zone is checked on write.
      return Optional.empty();
    }
  }
}
