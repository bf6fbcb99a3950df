package io.tandem.app.witness;

import io.tandem.app.agent.YamlPositions;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ClusterConfigLoader;
import io.tandem.core.config.ConfigProblem;
import io.tandem.core.config.InvalidConfigException;
import io.tandem.core.config.SecretRef;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.SensorConfig;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.config.WitnessConfig;
import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Reads what {@code tandem witness --config <file|dir> ...} serves from the same cluster files the
 * agents use: each file's {@code cluster} name, its sites and their {@code witness.siteSecrets}
 * (every one resolved here), {@code timings.ticketTtl} and {@code timings.witnessGrace}, the
 * targets of the sites' {@code sip-options-external} sensors (the only ones the witness probes),
 * and {@code witness.listen} / {@code witness.dataDir}. A directory means every {@code *.yaml} /
 * {@code *.yml} file in it (one cluster each), so one witness can serve many clusters.
 *
 * <p>Every problem is collected with its file, line and field; nothing is served unless all files
 * are valid. Secrets never appear in problems, only their references. Stateless.
 */
public final class WitnessConfigFiles {

  private final ClusterConfigLoader loader = new ClusterConfigLoader();
  private final Function<Path, SecretResolver> secrets;
  private final Optional<WitnessConfigCache> cache;

  /**
   * @param secrets the resolver for a file's secret references, given the file's directory
   */
  public WitnessConfigFiles(Function<Path, SecretResolver> secrets) {
    this(secrets, Optional.empty());
  }

  /**
   * @param secrets the resolver for a file's secret references, given the file's directory
   * @param cacheDir where to keep what valid files held, so that a restart parses only the files
   *     that changed ({@link WitnessConfigCache}); empty: every file is parsed at every start
   */
  public WitnessConfigFiles(Function<Path, SecretResolver> secrets, Optional<Path> cacheDir) {
    this.secrets = secrets;
    this.cache = cacheDir.map(d -> new WitnessConfigCache(d, WitnessConfigCache.codeStamp()));
  }

  /** Resolving secrets from the process environment and files. */
  public static WitnessConfigFiles system() {
    return new WitnessConfigFiles(SecretResolver::system);
  }

  /**
   * What a load did.
   *
   * @param config what to serve
   * @param files cluster files read
   * @param parsed of which parsed and validated (the others were unchanged since the last start and
   *     taken from the cache)
   */
  public record Read(WitnessServerConfig config, int files, int parsed) {}

  /**
   * Loads every file named by {@code paths} (files or directories).
   *
   * @throws Invalid listing every problem found, when any is
   */
  public WitnessServerConfig load(List<Path> paths) {
    return read(paths).config();
  }

  /**
   * Loads every file named by {@code paths} (files or directories), telling how many it parsed.
   *
   * @throws Invalid listing every problem found, when any is
   */
  public Read read(List<Path> paths) {
    List<ConfigProblem> problems = new ArrayList<>();
    List<Path> files = expand(paths, problems);
    List<WitnessServerConfig.Cluster> clusters = new ArrayList<>();
    Map<String, Path> seen = new HashMap<>();
    Map<String, Path> listens = new LinkedHashMap<>();
    Map<String, Path> dataDirs = new LinkedHashMap<>();
    long started = epochNanos();
    WitnessConfigCache.Contents cached =
        cache.map(WitnessConfigCache::read).orElse(WitnessConfigCache.Contents.EMPTY);
    // files are independent: read them in parallel (one witness may read thousands at start)
    List<FileRead> reads =
        files.parallelStream()
            .map(
                f -> {
                  List<ConfigProblem> own = new ArrayList<>();
                  FileRead r = loadOne(f, cached, own);
                  return own.isEmpty() ? r : new FileRead(f, Optional.empty(), own, r.parsed());
                })
            .toList();
    int parsed = 0;
    List<WitnessConfigCache.Entry> valid = new ArrayList<>();
    for (FileRead read : reads) {
      problems.addAll(read.problems());
      parsed += read.parsed() ? 1 : 0;
      Path file = read.file();
      Optional<Loaded> loaded = read.loaded();
      if (loaded.isEmpty()) {
        continue;
      }
      loaded.get().entry().ifPresent(valid::add);
      WitnessServerConfig.Cluster c = loaded.get().cluster();
      Path first = seen.putIfAbsent(c.name(), file);
      if (first != null) {
        problems.add(
            new ConfigProblem(
                file.toString(),
                0,
                0,
                "cluster",
                "cluster " + c.name() + " is already served from " + first));
        continue;
      }
      clusters.add(c);
      loaded.get().listen().ifPresent(l -> listens.putIfAbsent(l, file));
      loaded
          .get()
          .dataDir()
          .map(d -> file.toAbsolutePath().getParent().resolve(d).normalize().toString())
          .ifPresent(d -> dataDirs.putIfAbsent(d, file));
    }
    // what the next start may skip: every file that loaded alone, even when another did not
    if (parsed > 0 || valid.size() != cached.entries().size()) {
      cache.ifPresent(c -> c.write(started, valid));
    }
    if (listens.size() > 1) {
      problems.add(disagree("witness.listen", listens));
    }
    if (dataDirs.size() > 1) {
      problems.add(disagree("witness.dataDir", dataDirs));
    }
    if (files.isEmpty() && problems.isEmpty()) {
      problems.add(new ConfigProblem(paths.toString(), 0, 0, "", "no cluster file (*.yaml) found"));
    }
    if (!problems.isEmpty()) {
      throw new Invalid(problems);
    }
    Optional<Path> dataDir = dataDirs.keySet().stream().findFirst().map(Path::of);
    return new Read(
        new WitnessServerConfig(listens.keySet().stream().findFirst(), dataDir, clusters),
        files.size(),
        parsed);
  }

  /**
   * One file's outcome.
   *
   * @param parsed whether it was parsed (false: taken from the cache)
   */
  private record FileRead(
      Path file, Optional<Loaded> loaded, List<ConfigProblem> problems, boolean parsed) {}

  /**
   * A file that loaded.
   *
   * @param entry what the cache may keep of it (empty when it changed while being read)
   */
  private record Loaded(
      WitnessServerConfig.Cluster cluster,
      Optional<String> listen,
      Optional<String> dataDir,
      Optional<WitnessConfigCache.Entry> entry) {}

  private FileRead loadOne(
      Path file, WitnessConfigCache.Contents cached, List<ConfigProblem> problems) {
    String absolute = file.toAbsolutePath().normalize().toString();
    Optional<WitnessConfigCache.Stat> stat =
        cache.isPresent() ? WitnessConfigCache.Stat.of(file) : Optional.empty();
    Optional<WitnessConfigCache.Entry> hit = cached.unchanged(file, absolute, stat);
    WitnessConfigCache.Entry entry;
    Optional<String> sha = Optional.empty();
    if (hit.isPresent()) {
      entry = hit.get();
    } else {
      sha = cache.isPresent() ? WitnessConfigCache.sha256(file) : Optional.empty();
      entry = parse(file, absolute, stat, sha, problems);
      if (entry == null) {
        return new FileRead(file, Optional.empty(), problems, true);
      }
    }
    Optional<WitnessServerConfig.Cluster> cluster = resolve(file, entry, problems);
    // keep what was parsed only if the bytes validated are still the file's (not changed while
    // parsed): the same stat and hash after as before
    boolean keep =
        hit.isPresent()
            || (stat.isPresent()
                && sha.isPresent()
                && stat.equals(WitnessConfigCache.Stat.of(file))
                && sha.equals(WitnessConfigCache.sha256(file)));
    return new FileRead(
        file,
        cluster.map(
            c ->
                new Loaded(
                    c,
                    Optional.ofNullable(entry.listen()),
                    Optional.ofNullable(entry.dataDir()),
                    keep ? Optional.of(entry) : Optional.empty())),
        problems,
        hit.isEmpty());
  }

  private static long epochNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** Parses and validates a file: what the witness serves from it, or null with problems. */
  private WitnessConfigCache.Entry parse(
      Path file,
      String absolute,
      Optional<WitnessConfigCache.Stat> stat,
      Optional<String> sha,
      List<ConfigProblem> problems) {
    // The loader's own validation is all the witness needs (the agents' adapter checks, such as
    // sensors they can build, are theirs): one witness may read thousands of these at start.
    ClusterConfig config;
    try {
      config = loader.load(file);
    } catch (InvalidConfigException e) {
      problems.addAll(e.problems());
      return null;
    } catch (ConfigException e) {
      problems.add(new ConfigProblem(file.toString(), 0, 0, "", e.getMessage()));
      return null;
    }
    if (!(config.witness() instanceof WitnessConfig.Builtin builtin)) {
      problems.add(
          located(
              file.toString(),
              new Positions(file),
              "witness.kind",
              "expected builtin: 'tandem witness' serves only clusters that use the built-in"
                  + " witness (this one uses "
                  + config.witness().kind()
                  + ")"));
      return null;
    }
    Map<String, Set<WitnessServerConfig.ProbeTarget>> probes = probeTargets(config);
    List<WitnessConfigCache.Site> sites = new ArrayList<>();
    for (SiteConfig site : config.sites()) {
      sites.add(
          new WitnessConfigCache.Site(
              site.name(),
              builtin.siteSecrets().get(site.name()),
              List.copyOf(probes.getOrDefault(site.name(), Set.of()))));
    }
    return new WitnessConfigCache.Entry(
        absolute,
        stat.orElse(new WitnessConfigCache.Stat(-1, 0, 0, 0, 0)),
        sha.orElse(""),
        config.name(),
        sites,
        config.timings().ticketTtl().toMillis(),
        config.timings().witnessGrace().toMillis(),
        builtin.listen().orElse(null),
        builtin.dataDir().orElse(null));
  }

  /** The cluster to serve from a file's entry, its secrets resolved; empty with problems. */
  private Optional<WitnessServerConfig.Cluster> resolve(
      Path file, WitnessConfigCache.Entry entry, List<ConfigProblem> problems) {
    String name = file.toString();
    // read again for line and column only when there is a problem to locate: a witness may read
    // thousands of valid files at start (this was about a quarter of the start's CPU)
    Positions positions = new Positions(file);
    int before = problems.size();
    Duration ttl = Duration.ofMillis(entry.ttlMs());
    if (ttl.compareTo(WitnessServerConfig.MIN_TTL) < 0) {
      problems.add(
          located(
              name,
              positions,
              "timings.ticketTtl",
              "expected at least "
                  + WitnessServerConfig.MIN_TTL.toMillis()
                  + " ms, the built-in witness's shortest lease; was "
                  + ttl.toMillis()
                  + " ms"));
    }
    SecretResolver resolver = secrets.apply(file.toAbsolutePath().getParent());
    Map<String, byte[]> siteSecrets = new TreeMap<>();
    Map<String, Set<WitnessServerConfig.ProbeTarget>> probes = new TreeMap<>();
    for (WitnessConfigCache.Site site : entry.sites()) {
      probes.put(site.name(), Set.copyOf(site.probes()));
      String path = "witness.siteSecrets." + site.name();
      SecretRef ref = site.secret();
      if (ref == null) {
        problems.add(
            located(
                name,
                positions,
                "witness.siteSecrets",
                "expected a secret reference for site "
                    + site.name()
                    + ": the witness server checks each site's own secret"));
        continue;
      }
      try {
        byte[] secret = resolver.resolve(ref).reveal().getBytes(StandardCharsets.UTF_8);
        if (secret.length < 16) {
          problems.add(located(name, positions, path, "expected at least 16 bytes from " + ref));
        } else {
          siteSecrets.put(site.name(), secret);
        }
      } catch (ConfigException e) {
        problems.add(located(name, positions, path, e.getMessage()));
      }
    }
    if (problems.size() > before) {
      return Optional.empty();
    }
    return Optional.of(
        new WitnessServerConfig.Cluster(
            entry.cluster(), file, siteSecrets, ttl, Duration.ofMillis(entry.graceMs()), probes));
  }

  /** Per site, the targets of its {@code sip-options-external} sensors, as the agent sends them. */
  static Map<String, Set<WitnessServerConfig.ProbeTarget>> probeTargets(ClusterConfig config) {
    Map<String, Set<WitnessServerConfig.ProbeTarget>> targets = new TreeMap<>();
    for (SiteConfig site : config.sites()) {
      Set<WitnessServerConfig.ProbeTarget> own = new LinkedHashSet<>();
      for (SensorConfig s : site.sensors()) {
        String target = s.params().get("target");
        if (s.kind().equals("sip-options-external") && target != null) {
          own.add(
              new WitnessServerConfig.ProbeTarget(
                  target.startsWith("sip:") ? target.substring(4) : target,
                  s.params().getOrDefault("transport", "udp").toLowerCase(Locale.ROOT)));
        }
      }
      targets.put(site.name(), Set.copyOf(own));
    }
    return targets;
  }

  private static List<Path> expand(List<Path> paths, List<ConfigProblem> problems) {
    List<Path> files = new ArrayList<>();
    for (Path p : paths) {
      if (!Files.isDirectory(p)) {
        files.add(p);
        continue;
      }
      try (Stream<Path> in = Files.list(p)) {
        in.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
            .filter(Files::isRegularFile)
            .sorted()
            .forEach(files::add);
      } catch (IOException e) {
        problems.add(
            new ConfigProblem(
                p.toString(), 0, 0, "", "cannot list (" + e.getClass().getSimpleName() + ")"));
      }
    }
    return files;
  }

  private static ConfigProblem disagree(String field, Map<String, Path> values) {
    StringBuilder b = new StringBuilder("expected one value for the whole witness, found ");
    values.forEach((v, f) -> b.append(v).append(" (").append(f).append(") "));
    return new ConfigProblem(
        values.values().iterator().next().toString(), 0, 0, field, b.toString().trim());
  }

  private static YamlPositions positions(Path file) {
    try {
      return YamlPositions.of(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return YamlPositions.of("");
    }
  }

  /** A file's YAML positions, read on first use. Not thread-safe: one per file and thread. */
  private static final class Positions {
    private final Path file;
    private YamlPositions read;

    Positions(Path file) {
      this.file = file;
    }

    YamlPositions get() {
      if (read == null) {
        read = positions(file);
      }
      return read;
    }
  }

  private static ConfigProblem located(String file, Positions positions, String path, String msg) {
    YamlPositions.Position at = positions.get().at(path);
    return new ConfigProblem(file, at.line(), at.column(), path, msg);
  }

  /** The cluster files are invalid; every problem is listed. */
  public static final class Invalid extends ConfigException {
    private final List<ConfigProblem> problems;

    Invalid(List<ConfigProblem> problems) {
      super(problems.size() + " problems in the witness's cluster files");
      this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
      return problems;
    }
  }
}
