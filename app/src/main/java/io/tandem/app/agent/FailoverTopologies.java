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
  private final Map<String, Optional<PbxControl>> directPbx = new LinkedHashMap<>();
  private final boolean simulated;

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
      directPbx.put(
          s.name(), s.name().equals(localSite) ? Optional.of(localPbx) : remotePbx(providers, s));
    }
    for (DnsRecordConfig d : config.dns()) {
      dns.put(d, providers.dns(d));
    }
    List<SyncJob> jobs = new java.util.ArrayList<>(providers.syncJobs());
    jobs.addAll(agentSyncJobs); // the health-gated sync jobs this agent runs (sync:)
    this.syncJobs = List.copyOf(jobs);
    this.simulated = providers.simulated();
  }

  /**
   * Another site's PBX, reached directly from here (the cluster file lists every site's PBX), when
   * its {@code pbx.host} names that PBX from this host and its secret resolves here; otherwise
   * none, and a handover is watched through that site's peer reports.
   *
   * <p>A loopback {@code pbx.host} (the PBX beside its agent, the normal deployment: every site
   * says {@code 127.0.0.1}) names the other site's PBX only when that site runs on this machine,
   * i.e. when its management address is loopback too (both agents on one host, as in {@code
   * docs/examples/loopback.yaml}). On another machine, 127.0.0.1 here is this site's own PBX: a
   * drain would count this site's calls instead of the old site's and go on while those are still
   * in progress.
   */
  private static Optional<PbxControl> remotePbx(Providers.Adapters providers, SiteConfig s) {
    if (loopback(s.pbx().host()) && !loopback(AgentAssembly.hostOf(s.managementAddress()))) {
      org.slf4j.LoggerFactory.getLogger(FailoverTopologies.class)
          .info(
              "site {}: its PBX is on its own machine ({} is loopback there, and the site's"
                  + " management address {} is not this machine); a handover from it is watched"
                  + " through its agent's reports",
              s.name(),
              s.pbx().host(),
              s.managementAddress());
      return Optional.empty();
    }
    try {
      return Optional.of(providers.pbx(s));
    } catch (ConfigException e) {
      org.slf4j.LoggerFactory.getLogger(FailoverTopologies.class)
          .info(
              "site {}: its PBX cannot be reached directly from here ({}); a handover from it is"
                  + " watched through its agent's reports",
              s.name(),
              e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * Whether {@code host} is a loopback address literal or {@code localhost}. A name is not resolved
   * (no DNS lookup at assembly): a name given for a PBX or an agent names a machine.
   */
  static boolean loopback(String host) {
    String h = host.strip();
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    boolean literal = h.contains(":") || h.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    if (!literal) {
      return false;
    }
    try {
      // a literal: parsed, never looked up
      return java.net.InetAddress.getByName(h).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** The PBX of {@code site} as this agent can reach it directly, if it can. */
  Optional<PbxControl> directPbx(String site) {
    return directPbx.getOrDefault(site, Optional.empty());
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
    return build(
        from, to, fence, from.equals(localSite) ? Optional.of(localPbx) : Optional.empty());
  }

  /**
   * A planned handover from {@code from} to this site: as {@link #between(String, String,
   * boolean)}, with {@code oldPbx} (how this site watches the old site's calls drain) as the PBX
   * the switchover runbook drains.
   */
  FailoverTopology handover(String from, String to, boolean fence, PbxControl oldPbx) {
    return build(from, to, fence, Optional.of(oldPbx));
  }

  /**
   * What {@code to} would run for a move from {@code from}, as this agent can show it (a plan asked
   * of any agent): the target's PBX and the old site's PBX are reached directly where this host
   * can, so the steps are exactly those of the target's own runbook. For plans only: it is
   * observed, never applied.
   */
  FailoverTopology preview(String from, String to, boolean fence, PbxControl oldPbx) {
    FailoverTopology t = build(from, to, fence, Optional.of(oldPbx));
    if (t.newPbx().isPresent() || directPbx(to).isEmpty()) {
      return t;
    }
    return build(from, to, fence, Optional.of(oldPbx), directPbx(to));
  }

  private FailoverTopology build(
      String from, String to, boolean fence, Optional<PbxControl> oldPbx) {
    return build(
        from, to, fence, oldPbx, to.equals(localSite) ? Optional.of(localPbx) : Optional.empty());
  }

  private FailoverTopology build(
      String from,
      String to,
      boolean fence,
      Optional<PbxControl> oldPbx,
      Optional<PbxControl> newPbx) {
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
    // the new holder records its epoch on its own machine first (12.7), where a fencer knows it
    fences.get(to).ifPresent(f -> b.holder(f.fencer(), f.target()));
    newPbx.ifPresent(b::newPbx);
    oldPbx.ifPresent(b::oldPbx);
    probes.get(to).forEach(b::probe);
    syncJobs.forEach(b::sync);
    b.notifier(notifier);
    return b.build();
  }

  /**
   * What the shared service resources say about who serves: for each site, the observations that
   * point at it (a DNS record holding its value, a service address attached to its target, the
   * carrier's registrar holding its contact), read now with every observe in parallel and bounded
   * by {@code timeout}. Reads only; used to decide whom an outage may fence when no peer report
   * names the site that was serving.
   */
  ServiceHolders serviceHolders(java.time.Duration timeout) {
    Map<String, List<String>> bySite = new java.util.concurrent.ConcurrentSkipListMap<>();
    List<String> unknown = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Runnable> reads = new java.util.ArrayList<>();
    dns.forEach(
        (d, updater) ->
            reads.add(
                () ->
                    updater
                        .observe(d.zone(), d.name(), d.type().configName())
                        .ifPresent(
                            current ->
                                d.values()
                                    .forEach(
                                        (site, value) -> {
                                          if (current.values().equals(List.of(value))) {
                                            note(
                                                bySite,
                                                site,
                                                "DNS "
                                                    + d.name()
                                                    + " "
                                                    + d.type().configName()
                                                    + " holds its value "
                                                    + value);
                                          }
                                        }))));
    addresses.forEach(
        (site, list) ->
            list.forEach(
                a ->
                    reads.add(
                        () -> {
                          var b = a.mover().observe(addressId(a.address()));
                          if (b.attachedTo().equals(Optional.of(a.target()))) {
                            note(
                                bySite,
                                site,
                                "address "
                                    + a.address().name()
                                    + " is attached to its "
                                    + a.target()
                                    + (b.recordedEpoch() > 0
                                        ? " (recorded epoch " + b.recordedEpoch() + ")"
                                        : ""));
                          }
                        })));
    trunks.ifPresent(
        registrar ->
            config
                .trunks()
                .forEach(
                    t ->
                        reads.add(
                            () -> {
                              List<String> contacts = registrar.observe(t.name()).contacts();
                              t.contacts()
                                  .forEach(
                                      (site, contact) -> {
                                        if (contacts.contains(contact)) {
                                          note(
                                              bySite,
                                              site,
                                              "trunk "
                                                  + t.name()
                                                  + "'s registrar holds its contact "
                                                  + contact);
                                        }
                                      });
                            })));
    // not try-with-resources: close() would wait for a read that ignores its interrupt
    var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    try {
      List<java.util.concurrent.Future<?>> futures =
          reads.stream().<java.util.concurrent.Future<?>>map(pool::submit).toList();
      long deadline = System.nanoTime() + timeout.toNanos();
      for (var f : futures) {
        try {
          f.get(
              Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          unknown.add(e.getCause().getMessage());
        } catch (java.util.concurrent.TimeoutException e) {
          f.cancel(true);
          unknown.add("an observation did not answer within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          unknown.add("interrupted");
          break;
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return new ServiceHolders(bySite, unknown);
  }

  /**
   * What the service resources say: per site the observations pointing at it (sorted by site), and
   * what could not be read.
   */
  record ServiceHolders(Map<String, List<String>> bySite, List<String> unreadable) {}

  private static void note(Map<String, List<String>> bySite, String site, String words) {
    bySite.computeIfAbsent(site, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(words);
  }

  /** Whether the adapters drive simulated peers (the lab). */
  boolean simulated() {
    return simulated;
  }

  /** The sites other than {@code site}, most preferred first. */
  List<String> others(String site) {
    return config.sitesByPreference().stream()
        .map(SiteConfig::name)
        .filter(n -> !n.equals(site))
        .toList();
  }

  /** {@code site}'s fence target (its instance, VM, outlet) with its fencer, if configured. */
  Optional<FailoverTopology.FenceTarget> fenceTarget(String site) {
    return fences.getOrDefault(site, Optional.empty());
  }

  /** Every sync job a switchover checks (the provider's and this agent's). */
  List<SyncJob> syncJobs() {
    return syncJobs;
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
