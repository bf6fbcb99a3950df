package io.tandem.app.agent;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.DnsRecordConfig;
import io.tandem.core.config.ServiceAddress;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.config.TrunkConfig;
import io.tandem.core.error.ConfigException;
import io.tandem.core.port.AddressMover;
import io.tandem.core.port.PbxControl;
import io.tandem.core.port.SyncJob;
import io.tandem.core.port.TrunkRegistrar;
import io.tandem.core.runbook.Notifier;
import io.tandem.core.runbook.standard.FailoverTopology;
import io.tandem.onprem.vip.LinuxVipMover;
import io.tandem.onprem.vip.LocalHostCommand;
import io.tandem.onprem.vip.VipConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Maps the cluster configuration onto a {@link FailoverTopology} for any pair of sites: what moves
 * when service goes from one to the other, and with which adapter. The agent uses it for "this site
 * takes over from the old active" and for plans. Adapters are shared across topologies.
 *
 * <p>Virtual IPs: each site's VIP host is reached directly when it is this agent's own host and
 * over {@code ssh -o BatchMode=yes <host>} otherwise (the agent's key must be authorised there).
 *
 * <p>Thread-safe after construction (movers are created once, under this object's lock).
 */
final class FailoverTopologies {

  private final ClusterConfig config;
  private final String localSite;
  private final ProviderAdapters providers;
  private final Supplier<TrunkRegistrar> trunks;
  private final PbxControl localPbx;
  private final Notifier notifier;
  private final Path dataDir;
  private final List<SyncJob> syncJobs;
  private final Map<String, AddressMover> vipMovers = new HashMap<>();

  FailoverTopologies(
      ClusterConfig config,
      String localSite,
      ProviderAdapters providers,
      Supplier<TrunkRegistrar> trunks,
      PbxControl localPbx,
      Notifier notifier,
      Path dataDir,
      List<SyncJob> syncJobs) {
    this.config = config;
    this.localSite = localSite;
    this.providers = providers;
    this.trunks = trunks;
    this.localPbx = localPbx;
    this.notifier = notifier;
    this.dataDir = dataDir;
    this.syncJobs = List.copyOf(syncJobs);
  }

  /**
   * What a move from {@code from} to {@code to} changes.
   *
   * @throws ConfigException naming the field if the configuration cannot be mapped
   */
  synchronized FailoverTopology between(String from, String to) {
    return between(from, to, true);
  }

  /**
   * As {@link #between(String, String)}; {@code fence} false leaves the old site's fencer out (the
   * way back of a drill, where the "old" site is a healthy standby that must stay usable).
   */
  synchronized FailoverTopology between(String from, String to, boolean fence) {
    SiteConfig toSite = site(to);
    SiteConfig fromSite = site(from);
    FailoverTopology.Builder b =
        FailoverTopology.builder().cluster(config.name()).fromSite(from).toSite(to);
    for (ServiceAddress a : toSite.serviceAddresses()) {
      switch (a) {
        case ServiceAddress.ElasticIp eip ->
            b.address(
                providers.elasticIp(
                    to,
                    toSite.aws().orElse(io.tandem.core.config.AwsAccess.builder().build()),
                    toSite.aws().flatMap(x -> x.region()).or(toSite::region).orElse("us-east-1")),
                eip.allocationId(),
                eip.target());
        case ServiceAddress.AzurePublicIp ip ->
            b.address(
                providers.azurePublicIp(
                    toSite
                        .azure()
                        .orElseThrow(
                            () ->
                                new ConfigException(
                                    "sites."
                                        + to
                                        + ".credentials.azure: needed to move "
                                        + ip.name()))),
                ip.resourceId(),
                ip.ipConfigurationId());
        case ServiceAddress.VirtualIp vip -> b.address(vipMover(vip), vip.address(), vip.host());
      }
    }
    for (DnsRecordConfig d : config.dns()) {
      b.dns(providers.dns(d), d.forSite(to));
    }
    for (TrunkConfig t : config.trunks()) {
      String contact = t.contacts().get(to);
      if (contact != null) {
        b.trunk(trunks.get(), t.name(), contact, t.contacts().get(from));
      }
    }
    fromSite
        .fencing()
        .filter(f -> fence)
        .flatMap(
            f ->
                providers
                    .fencer(from, f, fromSite.aws(), fromSite.region(), fromSite.azure())
                    .map(fencer -> Map.entry(fencer, f.target())))
        .ifPresent(e -> b.fence(e.getKey(), e.getValue()));
    if (to.equals(localSite)) {
      b.newPbx(localPbx);
    }
    if (from.equals(localSite)) {
      // a switchover or drill started here drains this site's PBX first
      b.oldPbx(localPbx);
    }
    b.notifier(notifier);
    syncJobs.forEach(b::sync);
    return b.build();
  }

  /** The sites other than {@code site}, most preferred first. */
  List<String> others(String site) {
    return config.sitesByPreference().stream()
        .map(SiteConfig::name)
        .filter(n -> !n.equals(site))
        .toList();
  }

  private SiteConfig site(String name) {
    return config.sites().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new ConfigException("no site named '" + name + "' in the cluster"));
  }

  private AddressMover vipMover(ServiceAddress.VirtualIp vip) {
    return vipMovers.computeIfAbsent(
        vip.name(),
        name -> {
          String[] cidr = vip.address().split("/");
          VipConfig.Builder b =
              VipConfig.builder()
                  .address(cidr[0])
                  .prefixLength(cidr.length > 1 ? Integer.parseInt(cidr[1]) : 32)
                  .stateFile(dataDir.resolve("vip-" + name + ".properties"));
          for (SiteConfig s : config.sites()) {
            for (ServiceAddress a : s.serviceAddresses()) {
              if (a instanceof ServiceAddress.VirtualIp v && v.name().equals(name)) {
                b.host(
                    s.name().equals(localSite)
                        ? LocalHostCommand.local(v.host())
                        : new LocalHostCommand(
                            v.host(), List.of("ssh", "-o", "BatchMode=yes", v.host(), "--")),
                    v.interfaceName());
              }
            }
          }
          return new LinuxVipMover(b.build());
        });
  }

  /** This site's VIPs (to drop when fencing), as address and interface. */
  List<ServiceAddress.VirtualIp> localVips() {
    return site(localSite).serviceAddresses().stream()
        .filter(ServiceAddress.VirtualIp.class::isInstance)
        .map(ServiceAddress.VirtualIp.class::cast)
        .toList();
  }

  Optional<SiteConfig> local() {
    return Optional.of(site(localSite));
  }
}
