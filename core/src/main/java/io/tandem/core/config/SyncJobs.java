package io.tandem.core.config;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rules of {@code sync:} that span the cluster (sites, DNS values, PBX types), and the template
 * values a site fills into override rules. Stateless.
 */
public final class SyncJobs {

  private SyncJobs() {}

  /** Adds a violation for every cross-cluster rule the jobs break; paths start at {@code sync}. */
  static void check(
      Violations v, List<SiteConfig> sites, List<DnsRecordConfig> dns, List<SyncJobConfig> jobs) {
    List<String> siteNames = sites.stream().map(SiteConfig::name).distinct().toList();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < jobs.size(); i++) {
      SyncJobConfig job = jobs.get(i);
      String at = "sync[" + i + "]";
      Integer first = seen.putIfAbsent(job.name(), i);
      if (first != null) {
        v.add(
            at + ".name",
            "expected a unique job name; " + job.name() + " is already sync[" + first + "]");
      }
      job.values().keySet().forEach(s -> knownSite(v, at + ".values", s, siteNames));
      if (job.source() instanceof SyncSource.Files files) {
        files.sitePaths().keySet().forEach(s -> knownSite(v, at + ".sitePaths", s, siteNames));
      }
      if (job.source() instanceof SyncSource.Sql sql) {
        sql.endpoints().keySet().forEach(s -> knownSite(v, at + ".endpoints." + s, s, siteNames));
      }
      if (job.kind() == SyncKind.ASTDB) {
        sites.stream()
            .filter(s -> s.pbx().type() != PbxType.ASTERISK)
            .forEach(
                s ->
                    v.add(
                        at + ".kind",
                        "astdb is Asterisk's database, but site "
                            + s.name()
                            + " runs "
                            + s.pbx().type()));
      }
      job.reload()
          .filter(r -> r instanceof SyncReload.FreeswitchApi)
          .ifPresent(
              r ->
                  sites.stream()
                      .filter(s -> s.pbx().type() != PbxType.FREESWITCH)
                      .forEach(
                          s ->
                              v.add(
                                  at + ".reload.freeswitch",
                                  "expected FreeSWITCH on every site, but site "
                                      + s.name()
                                      + " runs "
                                      + s.pbx().type()
                                      + "; use module or command")));
      for (int j = 0; j < job.overrides().size(); j++) {
        SyncOverride o = job.overrides().get(j);
        String ot = at + ".overrides[" + j + "]";
        for (int k = 0; k < o.sites().size(); k++) {
          knownSite(v, ot + ".sites[" + k + "]", o.sites().get(k), siteNames);
        }
        o.perSite().keySet().forEach(s -> knownSite(v, ot + ".perSite." + s, s, siteNames));
        Map<String, List<String>> missing = new LinkedHashMap<>();
        Map<String, java.util.Set<String>> known = new LinkedHashMap<>();
        for (SiteConfig s : sites) {
          if (!o.appliesOn(s.name())) {
            continue;
          }
          if (!o.perSite().isEmpty() && !o.perSite().containsKey(s.name())) {
            v.add(ot + ".perSite", "missing: expected a replacement for site " + s.name());
            continue;
          }
          Map<String, String> values = valuesFor(s, dns, job);
          for (String name : o.placeholders()) {
            if (!values.containsKey(name)) {
              missing.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(s.name());
              known
                  .computeIfAbsent(name, k -> new java.util.LinkedHashSet<>())
                  .addAll(values.keySet());
            }
          }
        }
        missing.forEach(
            (name, where) ->
                v.add(
                    ot,
                    "unknown template value {{"
                        + name
                        + "}} for site"
                        + (where.size() > 1 ? "s " : " ")
                        + String.join(", ", where)
                        + ": expected one of "
                        + known.get(name)
                        + (name.equals("publicAddress")
                            ? " (publicAddress comes from the site's value of an A or AAAA record"
                                + " under dns)"
                            : " or a name under values for that site")));
      }
    }
  }

  private static void knownSite(Violations v, String path, String site, List<String> siteNames) {
    if (!siteNames.contains(site)) {
      v.add(
          path,
          "expected a configured site name"
              + NameSuggestions.hint(site, siteNames)
              + "; sites are "
              + siteNames);
    }
  }

  /**
   * The values {@code site} fills into override templates: the built-in ones (site, region,
   * management address and host, public address from DNS) and the job's own values for the site.
   */
  public static Map<String, String> valuesFor(
      ClusterConfig cluster, String site, SyncJobConfig job) {
    SiteConfig s =
        cluster.site(site).orElseThrow(() -> new IllegalArgumentException("no site " + site));
    return valuesFor(s, cluster.dns(), job);
  }

  static Map<String, String> valuesFor(SiteConfig s, List<DnsRecordConfig> dns, SyncJobConfig job) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("site", s.name());
    s.region().ifPresent(r -> out.put("region", r));
    out.put("managementAddress", s.managementAddress());
    out.put("managementHost", host(s.managementAddress()));
    publicAddress(s.name(), dns).ifPresent(a -> out.put("publicAddress", a));
    out.putAll(job.values().getOrDefault(s.name(), Map.of()));
    return out;
  }

  private static Optional<String> publicAddress(String site, List<DnsRecordConfig> dns) {
    return dns.stream()
        .filter(d -> d.type() == RecordType.A || d.type() == RecordType.AAAA)
        .map(d -> d.values().get(site))
        .filter(java.util.Objects::nonNull)
        .findFirst();
  }

  private static String host(String hostPort) {
    if (hostPort.startsWith("[")) {
      return hostPort.substring(1, hostPort.indexOf(']'));
    }
    int colon = hostPort.lastIndexOf(':');
    return colon > 0 && hostPort.indexOf(':') == colon ? hostPort.substring(0, colon) : hostPort;
  }
}
