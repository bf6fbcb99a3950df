package io.tandem.app.agent;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.DnsRecordConfig;
import io.tandem.core.config.ServiceAddress;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.config.TrunkConfig;
import io.tandem.core.error.ConfigException;
import io.tandem.core.port.AddressMover;
import io.tandem.core.port.DnsUpdater;
import io.tandem.core.port.Fencer;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.SyncJob;
import io.tandem.core.port.TrunkRegistrar;
import io.tandem.core.runbook.Notifier;
import io.tandem.core.runbook.Probe;
import io.tandem.core.runbook.standard.FailoverTopology;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps the cluster configuration onto a {@link FailoverTopology} for any pair of sites: what moves
 * when service goes from one to the other, and with which adapter. Every adapter is asked of the
 * {@link Providers.Adapters} when this object is built (at assembly), never on first use, so a
 * decision is not followed by seconds of client creation.
 *
 * <p>Immutable after construction; thread-safe.
 */
final class FailoverTopologies {

  /** A service address of a site with its mover. */
  private record Address(AddressMover mover, ServiceAddress address, String target) {}

  private final ClusterConfig config;
  private final String localSite;
  private final PbxControl localPbx;
  private final Optional<TrunkRegistrar> trunks;
  private final Notifier notifier;
  private final Map<String, List<Address>> addresses = new LinkedHashMap<>();
  private final Map<String, Optional<FailoverTopology.FenceTarget>> fences = new LinkedHashMap<>();
  private final Map<DnsRecordConfig, DnsUpdater> dns = new LinkedHashMap<>();
  private final Map<String, List<Probe>> probes = new LinkedHashMap<>();
  private final List<SyncJob> syncJobs;

  /**
   * @throws ConfigException naming the field when an adapter cannot be built
   */
  FailoverTopologies(
      ClusterConfig config,
      String localSite,
      Providers.Adapters providers,
      PbxControl localPbx,
      Notifier notifier,
      List<SyncJob> agentSyncJobs) {
    this.config = config;
    this.localSite = localSite;
    this.localPbx = localPbx;
    this.notifier = notifier;
    this.trunks = providers.trunks();
    for (SiteConfig s : config.sites()) {
      addresses.put(
          s.name(),
          s.serviceAddresses().stream()
              .map(a -> new Address(providers.address(s, a), a, target(a)))
              .toList());
      Optional<Fencer> fencer = providers.fencer(s);
      fences.put(
          s.name(),
          fencer.flatMap(
              f -> s.fencing().map(c -> new FailoverTopology.FenceTarget(f, c.target()))));
      probes.put(s.name(), List.copyOf(providers.probes(s)));
    }
    for (DnsRecordConfig d : config.dns()) {
      dns.put(d, providers.dns(d));
    }
    List<SyncJob> jobs = new java.util.ArrayList<>(providers.syncJobs());
    jobs.addAll(agentSyncJobs); // the health-gated sync jobs this agent runs (sync:)
    this.syncJobs = List.copyOf(jobs);
  }

  private static String target(ServiceAddress a) {
    return switch (a) {
      case ServiceAddress.ElasticIp eip -> eip.target();
      case ServiceAddress.AzurePublicIp ip -> ip.ipConfigurationId();
      case ServiceAddress.VirtualIp vip -> vip.host();
    };
  }

  private static String addressId(ServiceAddress a) {
    return switch (a) {
      case ServiceAddress.ElasticIp eip -> eip.allocationId();
      case ServiceAddress.AzurePublicIp ip -> ip.resourceId();
      case ServiceAddress.VirtualIp vip -> vip.address();
    };
  }

  /**
   * What a move from {@code from} to {@code to} changes, fencing {@code from} if it has a fencer.
   *
   * @throws ConfigException naming the field if the configuration cannot be mapped
   */
  FailoverTopology between(String from, String to) {
    return between(from, to, true);
  }

  /**
   * As {@link #between(String, String)}; {@code fence} false leaves the old site's fencer out (a
   * first activation, a planned handover, the way back of a drill).
   */
  FailoverTopology between(String from, String to, boolean fence) {
    site(to);
    site(from);
    FailoverTopology.Builder b =
        FailoverTopology.builder().cluster(config.name()).fromSite(from).toSite(to);
    for (Address a : addresses.get(to)) {
      b.address(a.mover(), addressId(a.address()), a.target());
    }
    dns.forEach((d, updater) -> b.dns(updater, d.forSite(to)));
    for (TrunkConfig t : config.trunks()) {
      String contact = t.contacts().get(to);
      if (contact != null) {
        b.trunk(trunks.orElseThrow(), t.name(), contact, t.contacts().get(from));
      }
    }
    if (fence) {
      fences.get(from).ifPresent(f -> b.fence(f.fencer(), f.target()));
    }
    if (to.equals(localSite)) {
      b.newPbx(localPbx);
    }
    if (from.equals(localSite)) {
      // a switchover or drill started here drains this site's PBX first
      b.oldPbx(localPbx);
    }
    probes.get(to).forEach(b::probe);
    syncJobs.forEach(b::sync);
    b.notifier(notifier);
    return b.build();
  }

  /** The sites other than {@code site}, most preferred first. */
  List<String> others(String site) {
    return config.sitesByPreference().stream()
        .map(SiteConfig::name)
        .filter(n -> !n.equals(site))
        .toList();
  }

  /** Whether {@code site} has a fencer configured and built. */
  boolean fenceable(String site) {
    return fences.getOrDefault(site, Optional.empty()).isPresent();
  }

  private SiteConfig site(String name) {
    return config.sites().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new ConfigException("no site named '" + name + "' in the cluster"));
  }

  /** This site's VIPs (to drop when fencing), as address and interface. */
  List<ServiceAddress.VirtualIp> localVips() {
    return site(localSite).serviceAddresses().stream()
        .filter(ServiceAddress.VirtualIp.class::isInstance)
        .map(ServiceAddress.VirtualIp.class::cast)
        .toList();
  }
}
