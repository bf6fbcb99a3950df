package io.tandem.core.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A whole cluster as one YAML file describes it: its sites, what moves between them (addresses, DNS
 * records, trunk registrations), the witness, timings, policies and notifications.
 *
 * <p>Immutable and validated: a {@code ClusterConfig} that exists satisfies every rule listed in
 * {@code docs/configuration.md}. Load one with {@link ClusterConfigLoader}.
 *
 * @param name cluster name (the witness ticket's key), a DNS label
 * @param sites at least two, distinct names and priorities
 * @param dns records whose value follows the active site
 * @param trunks SIP trunks the active site registers
 * @param witness where the ticket lives
 * @param timings tick, ticket and health timings
 * @param policies what the cluster may do on its own
 * @param notifications where people are told
 * @param sync health-gated sync jobs (active to standby); see {@link SyncJobConfig}
 */
public record ClusterConfig(
    String name,
    List<SiteConfig> sites,
    List<DnsRecordConfig> dns,
    List<TrunkConfig> trunks,
    WitnessConfig witness,
    Timings timings,
    Policies policies,
    Notifications notifications,
    List<SyncJobConfig> sync,
    List<HookConfig> hooks) {

  public ClusterConfig {
    Objects.requireNonNull(name, "name");
    sites = List.copyOf(sites);
    dns = List.copyOf(dns);
    trunks = List.copyOf(trunks);
    Objects.requireNonNull(witness, "witness");
    Objects.requireNonNull(timings, "timings");
    Objects.requireNonNull(policies, "policies");
    Objects.requireNonNull(notifications, "notifications");
    sync = List.copyOf(sync);
    hooks = List.copyOf(hooks);
  }

  /** A cluster without hooks. */
  public ClusterConfig(
      String name,
      List<SiteConfig> sites,
      List<DnsRecordConfig> dns,
      List<TrunkConfig> trunks,
      WitnessConfig witness,
      Timings timings,
      Policies policies,
      Notifications notifications,
      List<SyncJobConfig> sync) {
    this(name, sites, dns, trunks, witness, timings, policies, notifications, sync, List.of());
  }

  /** The site named {@code site}, if configured. */
  public Optional<SiteConfig> site(String site) {
    return sites.stream().filter(s -> s.name().equals(site)).findFirst();
  }

  /** Sites from the preferred (lowest priority number) to the least preferred. */
  public List<SiteConfig> sitesByPreference() {
    return sites.stream().sorted(Comparator.comparingInt(SiteConfig::priority)).toList();
  }

  public static Builder builder() {
    return new Builder();
  }

  private static final String FOLLOWS =
      "every site needs one, so it can follow whichever site is active";

  /** Builds a {@link ClusterConfig} and checks the rules that span several parts of it. */
  /** The longest lease Azure Blob Storage grants (Lease Blob, "x-ms-lease-duration"). */
  static final java.time.Duration MAX_BLOB_TTL = java.time.Duration.ofSeconds(60);

  public static final class Builder extends ConfigBuilder<ClusterConfig> {
    private String name;
    private final List<SiteConfig> sites = new ArrayList<>();
    private final List<DnsRecordConfig> dns = new ArrayList<>();
    private final List<TrunkConfig> trunks = new ArrayList<>();
    private WitnessConfig witness;
    private Timings timings;
    private Policies policies;
    private Notifications notifications;
    private final List<SyncJobConfig> sync = new ArrayList<>();
    private final List<HookConfig> hooks = new ArrayList<>();

    public Builder hook(HookConfig v) {
      hooks.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder site(SiteConfig v) {
      sites.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder dns(DnsRecordConfig v) {
      dns.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder trunk(TrunkConfig v) {
      trunks.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder witness(WitnessConfig v) {
      witness = v;
      return this;
    }

    public Builder timings(Timings v) {
      timings = v;
      return this;
    }

    public Builder policies(Policies v) {
      policies = v;
      return this;
    }

    public Builder notifications(Notifications v) {
      notifications = v;
      return this;
    }

    public Builder sync(SyncJobConfig v) {
      sync.add(Objects.requireNonNull(v));
      return this;
    }

    @Override
    protected void check(Violations v) {
      if (v.required(name, "cluster", "a cluster name such as pbx-prod") && !Formats.name(name)) {
        v.add(
            "cluster", "expected lower-case letters, digits and dashes (a DNS label), was " + name);
      }
      v.required(witness, "witness", "the witness: kind builtin, etcd, dynamodb or azure-blob");
      checkSites(v);
      checkAddresses(v);
      List<String> siteNames = sites.stream().map(SiteConfig::name).distinct().toList();
      for (int i = 0; i < dns.size(); i++) {
        checkPerSite(
            v, "dns[" + i + "].values", dns.get(i).values().keySet(), siteNames, "value", FOLLOWS);
      }
      for (int i = 0; i < trunks.size(); i++) {
        checkPerSite(
            v,
            "trunks[" + i + "].contacts",
            trunks.get(i).contacts().keySet(),
            siteNames,
            "contact URI",
            FOLLOWS);
      }
      if (witness instanceof WitnessConfig.Builtin b && !b.siteSecrets().isEmpty()) {
        checkPerSite(
            v,
            "witness.siteSecrets",
            b.siteSecrets().keySet(),
            siteNames,
            "secret",
            "each site proves its identity to the witness with its own");
      }
      checkUnique(v, "dns", dns.stream().map(d -> d.name() + " " + d.type()).toList(), "record");
      checkUnique(v, "trunks", trunks.stream().map(TrunkConfig::name).toList(), "trunk name");
      SyncJobs.check(v, sites, dns, sync);
      Timings t = timings != null ? timings : Timings.defaults();
      Policies p = policies != null ? policies : Policies.defaults();
      if (witness != null) {
        Timings.checkWitness(witness.kind(), t, v);
      }
      if (witness instanceof WitnessConfig.AzureBlob && t.ticketTtl().compareTo(MAX_BLOB_TTL) > 0) {
        v.add(
            "timings.ticketTtl",
            "expected at most "
                + Durations.format(MAX_BLOB_TTL)
                + " with an azure-blob witness (a blob lease lasts 15 s to 60 s; renewals every"
                + " ticketTtl / 3 would come after the lease ended), found "
                + Durations.format(t.ticketTtl()));
      }
      if (p.autoFailback()
          && p.failbackStablePeriod().compareTo(t.ticketTtl().plus(t.witnessGrace())) < 0) {
        v.add(
            "policies.failbackStablePeriod",
            "expected failbackStablePeriod >= ticketTtl + witnessGrace ("
                + Durations.format(t.ticketTtl().plus(t.witnessGrace()))
                + "): a failback sooner than a ticket handover would flap");
      }
    }

    private void checkSites(Violations v) {
      if (sites.size() < 2) {
        v.add(
            "sites",
            "expected at least two sites (one to serve, one to take over), found " + sites.size());
      }
      Map<String, Integer> byName = new HashMap<>();
      Map<Integer, Integer> byPriority = new HashMap<>();
      for (int i = 0; i < sites.size(); i++) {
        SiteConfig s = sites.get(i);
        Integer first = byName.putIfAbsent(s.name(), i);
        if (first != null) {
          v.add(
              "sites[" + i + "].name",
              "expected a unique site name; " + s.name() + " is already sites[" + first + "]");
        }
        Integer samePriority = byPriority.putIfAbsent(s.priority(), i);
        if (samePriority != null) {
          v.add(
              "sites[" + i + "].priority",
              "expected a priority distinct from every other"
                  + " site's; "
                  + s.priority()
                  + " is already used by site "
                  + sites.get(samePriority).name());
        }
      }
    }

    /** Addresses with one name are one address: same provider id, and within one region. */
    private void checkAddresses(Violations v) {
      record At(int site, int index, ServiceAddress address) {}
      Map<String, List<At>> byName = new HashMap<>();
      for (int i = 0; i < sites.size(); i++) {
        List<ServiceAddress> list = sites.get(i).serviceAddresses();
        for (int j = 0; j < list.size(); j++) {
          byName
              .computeIfAbsent(list.get(j).name(), k -> new ArrayList<>())
              .add(new At(i, j, list.get(j)));
        }
      }
      for (List<At> group : byName.values()) {
        At first = group.get(0);
        SiteConfig firstSite = sites.get(first.site());
        for (At at : group.subList(1, group.size())) {
          SiteConfig site = sites.get(at.site());
          String path = "sites[" + at.site() + "].serviceAddresses[" + at.index() + "]";
          ServiceAddress a = at.address();
          if (a.kind() != first.address().kind()) {
            v.add(
                path + ".kind",
                "expected "
                    + first.address().kind()
                    + " as at site "
                    + firstSite.name()
                    + ": addresses named "
                    + a.name()
                    + " are one address");
            continue;
          }
          String idField =
              switch (a.kind()) {
                case AWS_EIP -> "allocationId";
                case AZURE_PUBLIC_IP -> "resourceId";
                case VIP -> "address";
              };
          if (!a.addressId().equals(first.address().addressId())) {
            v.add(
                path + "." + idField,
                "expected "
                    + first.address().addressId()
                    + " as at site "
                    + firstSite.name()
                    + ": addresses named "
                    + a.name()
                    + " are one address");
            continue;
          }
          String r1 = firstSite.region().orElse("");
          String r2 = site.region().orElse("");
          if (!r1.equals(r2)) {
            v.add(
                path + "." + idField,
                switch (a.kind()) {
                  case AWS_EIP ->
                      "Elastic IPs are regional: site "
                          + firstSite.name()
                          + " is in "
                          + r1
                          + ", site "
                          + site.name()
                          + " in "
                          + r2
                          + "; move the service between regions with a DNS record instead";
                  case AZURE_PUBLIC_IP ->
                      "Azure public IPs are regional: site "
                          + firstSite.name()
                          + " is in "
                          + r1
                          + ", site "
                          + site.name()
                          + " in "
                          + r2
                          + "; move the service between regions with a DNS record instead";
                  case VIP ->
                      "a virtual IP moves only within one L2 network: site "
                          + firstSite.name()
                          + " is at "
                          + (r1.isEmpty() ? "(no region)" : r1)
                          + ", site "
                          + site.name()
                          + " at "
                          + (r2.isEmpty() ? "(no region)" : r2)
                          + "; give both sites the same region, or move the service with a DNS record";
                });
          }
        }
      }
    }

    private static void checkPerSite(
        Violations v,
        String path,
        Set<String> keys,
        List<String> siteNames,
        String what,
        String why) {
      for (String site : siteNames) {
        if (!keys.contains(site)) {
          v.add(path, "missing: expected a " + what + " for site " + site + " (" + why + ")");
        }
      }
      for (String key : keys) {
        if (!siteNames.contains(key)) {
          v.add(
              path + "." + key,
              "expected a configured site name"
                  + NameSuggestions.hint(key, siteNames)
                  + "; sites are "
                  + siteNames);
        }
      }
    }

    private static void checkUnique(Violations v, String path, List<String> keys, String what) {
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < keys.size(); i++) {
        Integer first = seen.putIfAbsent(keys.get(i), i);
        if (first != null) {
          v.add(
              path + "[" + i + "]",
              "expected a unique "
                  + what
                  + "; "
                  + keys.get(i)
                  + " is already "
                  + path
                  + "["
                  + first
                  + "]");
        }
      }
    }

    @Override
    protected ClusterConfig create() {
      return new ClusterConfig(
          name,
          sites,
          dns,
          trunks,
          witness,
          timings != null ? timings : Timings.defaults(),
          policies != null ? policies : Policies.defaults(),
          notifications != null ? notifications : Notifications.none(),
          sync,
          hooks);
    }

    @Override
    protected String what() {
      return "cluster";
    }
  }
}
