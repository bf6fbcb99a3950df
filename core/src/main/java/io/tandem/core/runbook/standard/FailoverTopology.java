package io.tandem.core.runbook.standard;

import io.tandem.core.error.ConfigException;
import io.tandem.core.port.AddressMover;
import io.tandem.core.port.DnsRecord;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.port.Fencer;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.SyncJob;
import io.tandem.core.port.TrunkRegistrar;
import io.tandem.core.runbook.Notifier;
import io.tandem.core.runbook.Probe;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the standard runbooks move when service goes from {@code fromSite} to {@code toSite},
 * with the adapters that move it. The app maps the cluster configuration onto this; it is immutable
 * and validated by {@link Builder#build()}, which names the offending field.
 *
 * @param cluster cluster name
 * @param fromSite the site losing service (old active)
 * @param toSite the site taking over
 * @param fence how to fence the old site, if configured
 * @param holder the new site's own machine as its fencer knows it, if configured: the new holder
 *     records its epoch there before it serves, so a stale holder's fencer refuses to stop it
 * @param addresses service addresses to move
 * @param dnsRecords DNS records to set
 * @param trunks SIP trunks to re-register
 * @param oldPbx PBX of the old site (call drain in a switchover), if reachable
 * @param newPbx PBX of the new site (told to accept calls), if configured
 * @param syncJobs sync jobs that must be current before a switchover
 * @param probes outside checks that the new site serves (SIP OPTIONS to the public address)
 * @param notifier where the final notice goes, if configured
 */
public record FailoverTopology(
    String cluster,
    String fromSite,
    String toSite,
    Optional<FenceTarget> fence,
    Optional<FenceTarget> holder,
    List<ServiceAddress> addresses,
    List<DnsChange> dnsRecords,
    List<TrunkMove> trunks,
    Optional<PbxControl> oldPbx,
    Optional<PbxControl> newPbx,
    List<SyncJob> syncJobs,
    List<Probe> probes,
    Optional<Notifier> notifier) {

  /** An address to move and where to. */
  public record ServiceAddress(AddressMover mover, String address, String target) {
    public ServiceAddress {
      Objects.requireNonNull(mover, "mover");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(target, "target");
    }
  }

  /** A DNS record and the value it must have. */
  public record DnsChange(DnsUpdater updater, DnsRecord desired) {
    public DnsChange {
      Objects.requireNonNull(updater, "updater");
      Objects.requireNonNull(desired, "desired");
    }
  }

  /** A trunk to register with the new contact, dropping the old one. */
  public record TrunkMove(
      TrunkRegistrar registrar, String trunk, String newContact, Optional<String> oldContact) {
    public TrunkMove {
      Objects.requireNonNull(registrar, "registrar");
      Objects.requireNonNull(trunk, "trunk");
      Objects.requireNonNull(newContact, "newContact");
      Objects.requireNonNull(oldContact, "oldContact");
    }
  }

  /** What to fence on the old site. */
  public record FenceTarget(Fencer fencer, String target) {
    public FenceTarget {
      Objects.requireNonNull(fencer, "fencer");
      Objects.requireNonNull(target, "target");
    }
  }

  public FailoverTopology {
    addresses = List.copyOf(addresses);
    dnsRecords = List.copyOf(dnsRecords);
    trunks = List.copyOf(trunks);
    syncJobs = List.copyOf(syncJobs);
    probes = List.copyOf(probes);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates a topology. Not thread-safe. */
  public static final class Builder {
    private String cluster;
    private String fromSite;
    private String toSite;
    private FenceTarget fence;
    private FenceTarget holder;
    private final List<ServiceAddress> addresses = new ArrayList<>();
    private final List<DnsChange> dns = new ArrayList<>();
    private final List<TrunkMove> trunks = new ArrayList<>();
    private PbxControl oldPbx;
    private PbxControl newPbx;
    private final List<SyncJob> syncJobs = new ArrayList<>();
    private final List<Probe> probes = new ArrayList<>();
    private Notifier notifier;

    private Builder() {}

    public Builder cluster(String value) {
      this.cluster = value;
      return this;
    }

    public Builder fromSite(String value) {
      this.fromSite = value;
      return this;
    }

    public Builder toSite(String value) {
      this.toSite = value;
      return this;
    }

    public Builder fence(Fencer fencer, String target) {
      this.fence = new FenceTarget(fencer, target);
      return this;
    }

    /** The new site's own machine, where it records its epoch before serving. */
    public Builder holder(Fencer fencer, String target) {
      this.holder = new FenceTarget(fencer, target);
      return this;
    }

    public Builder address(AddressMover mover, String address, String target) {
      addresses.add(new ServiceAddress(mover, address, target));
      return this;
    }

    public Builder dns(DnsUpdater updater, DnsRecord desired) {
      dns.add(new DnsChange(updater, desired));
      return this;
    }

    public Builder trunk(
        TrunkRegistrar registrar, String trunk, String newContact, String oldContact) {
      trunks.add(new TrunkMove(registrar, trunk, newContact, Optional.ofNullable(oldContact)));
      return this;
    }

    public Builder oldPbx(PbxControl value) {
      this.oldPbx = value;
      return this;
    }

    public Builder newPbx(PbxControl value) {
      this.newPbx = value;
      return this;
    }

    public Builder sync(SyncJob job) {
      syncJobs.add(job);
      return this;
    }

    public Builder probe(Probe probe) {
      probes.add(probe);
      return this;
    }

    public Builder notifier(Notifier value) {
      this.notifier = value;
      return this;
    }

    /**
     * @throws ConfigException naming the field when a value is missing or inconsistent
     */
    public FailoverTopology build() {
      require("cluster", cluster);
      require("fromSite", fromSite);
      require("toSite", toSite);
      if (fromSite.equals(toSite)) {
        throw new ConfigException(
            "failover topology: field 'toSite' must differ from 'fromSite' (both '"
                + toSite
                + "')");
      }
      if (addresses.isEmpty() && dns.isEmpty() && trunks.isEmpty()) {
        throw new ConfigException(
            "failover topology: at least one of 'addresses', 'dnsRecords' or 'trunks' is needed,"
                + " otherwise a failover moves nothing");
      }
      unique("addresses", addresses.stream().map(ServiceAddress::address).toList());
      unique(
          "dnsRecords",
          dns.stream().map(d -> d.desired().name() + "/" + d.desired().type()).toList());
      unique("trunks", trunks.stream().map(TrunkMove::trunk).toList());
      unique("syncJobs", syncJobs.stream().map(SyncJob::name).toList());
      return new FailoverTopology(
          cluster,
          fromSite,
          toSite,
          Optional.ofNullable(fence),
          Optional.ofNullable(holder),
          addresses,
          dns,
          trunks,
          Optional.ofNullable(oldPbx),
          Optional.ofNullable(newPbx),
          syncJobs,
          probes,
          Optional.ofNullable(notifier));
    }

    private static void require(String field, String value) {
      if (value == null || value.isBlank()) {
        throw new ConfigException("failover topology: field '" + field + "' is required");
      }
    }

    private static void unique(String field, List<String> keys) {
      Set<String> seen = new HashSet<>();
      for (String k : keys) {
        if (!seen.add(k)) {
          throw new ConfigException(
              "failover topology: field '" + field + "' lists '" + k + "' twice");
        }
      }
    }
  }
}
