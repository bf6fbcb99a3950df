package io.tandem.app.agent;

import io.tandem.aws.ElasticIpRegionRule;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ClusterConfigLoader;
import io.tandem.core.config.ConfigProblem;
import io.tandem.core.config.DnsRecordConfig;
import io.tandem.core.config.FencingConfig;
import io.tandem.core.config.InvalidConfigException;
import io.tandem.core.config.SecretRef;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.ServiceAddress;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.config.TrunkConfig;
import io.tandem.core.config.WitnessConfig;
import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads a cluster configuration with core's {@link ClusterConfigLoader} and adds the rules that
 * live in adapters (an Elastic IP stays in its AWS region) and, on request, checks that every
 * secret reference resolves. Used by {@code tandem validate} and before an agent starts.
 *
 * <p>Stateless and thread-safe. Problems never contain a secret value, only references.
 */
public final class ConfigValidation {

  /**
   * The outcome: a config when valid, otherwise every problem found, in file order.
   *
   * @param config the loaded configuration, empty when a problem was found
   * @param problems each placed at file, line, column and field
   * @param warnings findings that do not stop the agent (none at present: a sensor the agent's
   *     catalogue cannot build is a problem, since the agent refuses to start with it)
   */
  public record Result(
      Optional<ClusterConfig> config, List<ConfigProblem> problems, List<ConfigProblem> warnings) {
    public Result {
      problems = List.copyOf(problems);
      warnings = List.copyOf(warnings);
    }

    Result(Optional<ClusterConfig> config, List<ConfigProblem> problems) {
      this(config, problems, List.of());
    }

    public boolean valid() {
      return problems.isEmpty();
    }
  }

  private static final java.util.Comparator<ConfigProblem> BY_POSITION =
      java.util.Comparator.comparingInt(ConfigProblem::line)
          .thenComparingInt(ConfigProblem::column)
          .thenComparing(ConfigProblem::path);

  private final ClusterConfigLoader loader = new ClusterConfigLoader();

  /** The built-in witness's shortest per-site secret ({@code SharedSecretAuthenticator}). */
  static final int MIN_WITNESS_SECRET_BYTES = 16;

  /**
   * Validates {@code file}.
   *
   * @param secrets when present, every secret reference is resolved (the value is read and
   *     dropped), so a missing file or variable is found now rather than at failover time
   */
  public Result validate(Path file, Optional<SecretResolver> secrets) {
    return validate(file, secrets, Optional.empty());
  }

  /**
   * Validates {@code file} as the agent of {@code site} will use it: only the secrets that agent
   * resolves are checked (see {@link #secretRefs}).
   */
  public Result validate(Path file, Optional<SecretResolver> secrets, Optional<String> site) {
    String name = file.toString();
    String text;
    ClusterConfig config;
    try {
      config = loader.load(file);
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (InvalidConfigException e) {
      return new Result(Optional.empty(), e.problems());
    } catch (ConfigException e) {
      return new Result(
          Optional.empty(), List.of(new ConfigProblem(name, 0, 0, "", e.getMessage())));
    } catch (IOException e) {
      return new Result(
          Optional.empty(),
          List.of(
              new ConfigProblem(
                  name, 0, 0, "", "cannot be read (" + e.getClass().getSimpleName() + ")")));
    }
    YamlPositions positions = YamlPositions.of(text);
    List<ConfigProblem> problems = new ArrayList<>();
    for (var p : elasticIpRegions(config).entrySet()) {
      problems.add(located(name, positions, p.getKey(), p.getValue()));
    }
    secrets.ifPresent(
        resolver ->
            secretRefs(config, site)
                .forEach(
                    (path, ref) -> {
                      try {
                        int length =
                            resolver.resolve(ref).reveal().getBytes(StandardCharsets.UTF_8).length;
                        if (path.startsWith("witness.siteSecrets.")
                            && length < MIN_WITNESS_SECRET_BYTES) {
                          problems.add(
                              located(
                                  name,
                                  positions,
                                  path,
                                  "expected at least "
                                      + MIN_WITNESS_SECRET_BYTES
                                      + " characters (the witness refuses shorter secrets), found "
                                      + length
                                      + "; the value is not shown"));
                        }
                      } catch (ConfigException e) {
                        problems.add(located(name, positions, path, e.getMessage()));
                      }
                    }));
    // a site that nothing moves the service to can never be activated: every run would fail
    movesNothing(config).forEach((path, msg) -> problems.add(located(name, positions, path, msg)));
    // a sensor the agent's catalogue cannot build stops the agent: the file is not valid for it
    for (int i = 0; i < config.sites().size(); i++) {
      SiteSensors.check(config.sites().get(i), i)
          .forEach((path, msg) -> problems.add(located(name, positions, path, msg)));
    }
    List<ConfigProblem> warnings = new ArrayList<>();
    problems.sort(BY_POSITION);
    warnings.sort(BY_POSITION);
    return problems.isEmpty()
        ? new Result(Optional.of(config), List.of(), warnings)
        : new Result(Optional.empty(), problems, warnings);
  }

  /**
   * Sites that nothing would move the service to: no DNS record and no trunk in the cluster, and no
   * service address of their own. The runbook of an activation needs at least one of them ({@code
   * FailoverTopology}); without this check the agent starts, takes the ticket, fails every
   * activation and hands the ticket back and forth.
   */
  static Map<String, String> movesNothing(ClusterConfig config) {
    Map<String, String> out = new LinkedHashMap<>();
    if (!config.dns().isEmpty() || !config.trunks().isEmpty()) {
      return out;
    }
    for (int i = 0; i < config.sites().size(); i++) {
      SiteConfig s = config.sites().get(i);
      if (s.serviceAddresses().isEmpty()) {
        out.put(
            "sites[" + i + "]",
            "nothing moves the service to site "
                + s.name()
                + ": expected a 'dns' record or 'trunks' entry for the cluster, or"
                + " 'serviceAddresses' for this site (every activation of it would fail)");
      }
    }
    return out;
  }

  private static ConfigProblem located(
      String file, YamlPositions positions, String path, String msg) {
    YamlPositions.Position at = positions.at(path);
    return new ConfigProblem(file, at.line(), at.column(), path, msg);
  }

  /**
   * The AWS adapter's rule: an Elastic IP moves only between sites of its region. The address is
   * taken to live in the region of the first (most preferred) site that lists it.
   */
  static Map<String, String> elasticIpRegions(ClusterConfig config) {
    Map<String, String> out = new LinkedHashMap<>();
    Map<String, String> homeRegion = new LinkedHashMap<>();
    List<SiteConfig> sites = config.sites();
    for (int i = 0; i < sites.size(); i++) {
      SiteConfig s = sites.get(i);
      String region = regionOf(s);
      List<ServiceAddress> addresses = s.serviceAddresses();
      for (int j = 0; j < addresses.size(); j++) {
        if (addresses.get(j) instanceof ServiceAddress.ElasticIp eip && region != null) {
          String field = "sites[" + i + "].serviceAddresses[" + j + "].allocationId";
          String home = homeRegion.putIfAbsent(eip.allocationId(), region);
          if (home != null) {
            ElasticIpRegionRule.check(field, eip.allocationId(), home, s.name(), region)
                .ifPresent(m -> out.put(field, m.substring(m.indexOf(": ") + 2)));
          }
        }
      }
    }
    return out;
  }

  private static String regionOf(SiteConfig s) {
    return s.aws().flatMap(a -> a.region()).or(s::region).orElse(null);
  }

  /**
   * The secret references an agent of {@code site} resolves (every one when empty: the whole
   * cluster, e.g. on an operator's machine), keyed by field path. A site's own PBX, cloud and
   * witness credentials are resolved only on that site; DNS, trunk and notification secrets by
   * every agent, since any site may run the failover.
   */
  static Map<String, SecretRef> secretRefs(ClusterConfig c, Optional<String> site) {
    Map<String, SecretRef> refs = new LinkedHashMap<>();
    for (int i = 0; i < c.sites().size(); i++) {
      SiteConfig s = c.sites().get(i);
      if (site.isPresent() && !site.get().equals(s.name())) {
        continue; // another site's PBX and cloud credentials live on that site's host
      }
      String at = "sites[" + i + "]";
      if (s.pbx() != null) {
        refs.put(at + ".pbx.secret", s.pbx().secret());
      }
      s.azure()
          .flatMap(a -> a.clientSecret())
          .ifPresent(r -> refs.put(at + ".credentials.azure.clientSecret", r));
    }
    for (int i = 0; i < c.sites().size(); i++) {
      // any site may fence another: every agent resolves every fence device's secret
      int at = i;
      c.sites()
          .get(i)
          .fencing()
          .flatMap(FencingConfig::secret)
          .ifPresent(r -> refs.put("sites[" + at + "].fencing.secret", r));
    }
    for (int i = 0; i < c.dns().size(); i++) {
      DnsRecordConfig d = c.dns().get(i);
      String at = "dns[" + i + "]";
      d.rfc2136().ifPresent(r -> refs.put(at + ".rfc2136.tsigSecret", r.tsigSecret()));
      d.azure()
          .flatMap(a -> a.clientSecret())
          .ifPresent(r -> refs.put(at + ".azure.clientSecret", r));
    }
    for (int i = 0; i < c.trunks().size(); i++) {
      TrunkConfig t = c.trunks().get(i);
      refs.put("trunks[" + i + "].secret", t.secret());
    }
    switch (c.witness()) {
      case WitnessConfig.Builtin b ->
          b.siteSecrets()
              .forEach(
                  (name, r) -> {
                    if (site.isEmpty() || site.get().equals(name)) {
                      refs.put("witness.siteSecrets." + name, r);
                    }
                  });
      case WitnessConfig.Etcd e -> e.password().ifPresent(r -> refs.put("witness.password", r));
      case WitnessConfig.DynamoDb d -> {}
      case WitnessConfig.AzureBlob a -> {
        a.sasToken().ifPresent(r -> refs.put("witness.sasToken", r));
        a.connectionString().ifPresent(r -> refs.put("witness.connectionString", r));
      }
    }
    c.notifications()
        .webhook()
        .flatMap(w -> w.secret())
        .ifPresent(r -> refs.put("notifications.webhook.secret", r));
    c.notifications()
        .smtp()
        .flatMap(s -> s.password())
        .ifPresent(r -> refs.put("notifications.smtp.password", r));
    return refs;
  }
}
