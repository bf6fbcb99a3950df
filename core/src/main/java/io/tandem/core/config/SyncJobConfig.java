package io.tandem.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One health-gated sync job: what moves from the ticket holder to the other sites, how often, what
 * the receiver rewrites for itself and what it reloads afterwards.
 *
 * @param name unique job name (a DNS label), e.g. {@code etc-asterisk}
 * @param kind files, astdb or sql
 * @param source what is read and written, per kind
 * @param interval how often the holder runs the job (also the retry period after a refusal)
 * @param staleAfter a standby copy older than this is stale: its {@code sync-freshness} sensor
 *     fails and a planned switchover waits for, or refuses on, it
 * @param timeout the longest one run may take
 * @param watch for files: also run soon after a change (inotify), not only on the interval
 * @param transport for files: the peer link (default) or rsync over SSH
 * @param reload what the receiver runs after it applied a change
 * @param overrides per-node rewrites of received files (files only), in order
 * @param values template values per site for the overrides, e.g. {@code localNet}
 */
public record SyncJobConfig(
    String name,
    SyncKind kind,
    SyncSource source,
    Duration interval,
    Duration staleAfter,
    Duration timeout,
    boolean watch,
    SyncTransport transport,
    Optional<SyncReload> reload,
    List<SyncOverride> overrides,
    Map<String, Map<String, String>> values) {

  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
  public static final long DEFAULT_MAX_BYTES = 4L << 30;
  private static final Pattern TABLE =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");
  private static final Pattern FAMILY = Pattern.compile("[^/\\s]{1,200}");

  public SyncJobConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(staleAfter, "staleAfter");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(reload, "reload");
    overrides = List.copyOf(overrides);
    Map<String, Map<String, String>> copy = new LinkedHashMap<>();
    values.forEach((k, v) -> copy.put(k, Map.copyOf(v)));
    values = java.util.Collections.unmodifiableMap(copy);
  }

  /** The files source; only for {@code kind: files}. */
  public SyncSource.Files files() {
    return (SyncSource.Files) source;
  }

  /** The default for {@code staleAfter}: three intervals, at least five minutes. */
  public static Duration defaultStaleAfter(Duration interval) {
    Duration three = interval.multipliedBy(3);
    return three.compareTo(Duration.ofMinutes(5)) > 0 ? three : Duration.ofMinutes(5);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates a {@link SyncJobConfig}; kind-specific fields belong to their kind. */
  public static final class Builder extends ConfigBuilder<SyncJobConfig> {
    private String name;
    private SyncKind kind;
    private Duration interval;
    private Duration staleAfter;
    private Duration timeout;
    private Boolean watch;
    private SyncTransport transport;
    private SyncReload reload;
    private final List<SyncOverride> overrides = new ArrayList<>();
    private final Map<String, Map<String, String>> values = new LinkedHashMap<>();
    // files
    private final List<String> paths = new ArrayList<>();
    private final List<String> include = new ArrayList<>();
    private final List<String> exclude = new ArrayList<>();
    private Boolean preserveOwner;
    private String stagingDir;
    private Long maxBytes;
    private Long bandwidthLimit;
    private Integer maxDeletePercent;
    private SyncSource.Rsync rsync;
    private final Map<String, List<String>> sitePaths = new LinkedHashMap<>();
    // astdb
    private final List<String> families = new ArrayList<>();
    // sql
    private SqlEngine engine;
    private String host;
    private Integer port;
    private String database;
    private String user;
    private SecretRef password;
    private final List<String> tables = new ArrayList<>();
    private final Map<String, String> endpoints = new LinkedHashMap<>();

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder kind(SyncKind v) {
      kind = v;
      return this;
    }

    public Builder interval(Duration v) {
      interval = v;
      return this;
    }

    public Builder staleAfter(Duration v) {
      staleAfter = v;
      return this;
    }

    public Builder timeout(Duration v) {
      timeout = v;
      return this;
    }

    public Builder watch(Boolean v) {
      watch = v;
      return this;
    }

    public Builder transport(SyncTransport v) {
      transport = v;
      return this;
    }

    public Builder reload(SyncReload v) {
      reload = v;
      return this;
    }

    public Builder override(SyncOverride v) {
      overrides.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder values(String site, Map<String, String> v) {
      values.put(Objects.requireNonNull(site), Map.copyOf(v));
      return this;
    }

    public Builder path(String v) {
      paths.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder include(String v) {
      include.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder exclude(String v) {
      exclude.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder preserveOwner(Boolean v) {
      preserveOwner = v;
      return this;
    }

    public Builder stagingDir(String v) {
      stagingDir = v;
      return this;
    }

    public Builder maxBytes(Long v) {
      maxBytes = v;
      return this;
    }

    public Builder maxDeletePercent(Integer v) {
      maxDeletePercent = v;
      return this;
    }

    public Builder bandwidthLimit(Long v) {
      bandwidthLimit = v;
      return this;
    }

    public Builder rsync(SyncSource.Rsync v) {
      rsync = v;
      return this;
    }

    public Builder sitePaths(String site, List<String> v) {
      sitePaths.put(Objects.requireNonNull(site), List.copyOf(v));
      return this;
    }

    public Builder family(String v) {
      families.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder engine(SqlEngine v) {
      engine = v;
      return this;
    }

    public Builder host(String v) {
      host = v;
      return this;
    }

    public Builder port(Integer v) {
      port = v;
      return this;
    }

    public Builder database(String v) {
      database = v;
      return this;
    }

    public Builder user(String v) {
      user = v;
      return this;
    }

    public Builder password(SecretRef v) {
      password = v;
      return this;
    }

    public Builder table(String v) {
      tables.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder endpoint(String site, String hostPort) {
      endpoints.put(Objects.requireNonNull(site), Objects.requireNonNull(hostPort));
      return this;
    }

    @Override
    protected void check(Violations v) {
      if (v.required(name, "name", "a job name such as etc-asterisk") && !Formats.name(name)) {
        v.add("name", "expected lower-case letters, digits and dashes (a DNS label), was " + name);
      }
      v.required(kind, "kind", "one of " + ConfigEnum.names(SyncKind.class));
      if (v.positive(interval, "interval")
          && interval != null
          && interval.compareTo(Duration.ofSeconds(1)) < 0) {
        v.add("interval", "expected at least 1s, was " + Durations.format(interval));
      }
      v.positive(timeout, "timeout");
      Duration i = interval != null ? interval : DEFAULT_INTERVAL;
      if (v.positive(staleAfter, "staleAfter")
          && staleAfter != null
          && staleAfter.compareTo(i) <= 0) {
        v.add(
            "staleAfter",
            "expected more than the interval ("
                + Durations.format(i)
                + "), was "
                + Durations.format(staleAfter)
                + ": every copy would be stale before the next run");
      }
      if (kind == null) {
        return;
      }
      if (kind != SyncKind.FILES) {
        onlyForFiles(v);
      }
      if (kind != SyncKind.SQL) {
        onlyFor(v, "sql", engine, "engine", host, "host", port, "port", database, "database");
        onlyFor(v, "sql", user, "user", password, "password", null, null, null, null);
        if (!tables.isEmpty()) {
          v.add("tables", "expected only in a job of kind sql");
        }
        if (!endpoints.isEmpty()) {
          v.add("endpoints", "expected only in a job of kind sql");
        }
      }
      if (kind != SyncKind.ASTDB && !families.isEmpty()) {
        v.add("families", "expected only in a job of kind astdb");
      }
      switch (kind) {
        case FILES -> checkFiles(v);
        case SQL -> checkSql(v);
        case ASTDB -> {
          for (int j = 0; j < families.size(); j++) {
            if (!FAMILY.matcher(families.get(j)).matches()) {
              v.add(
                  "families[" + j + "]",
                  "expected an astdb family name without / or spaces, was '"
                      + families.get(j)
                      + "'");
            }
          }
        }
      }
    }

    private void onlyForFiles(Violations v) {
      String why = "expected only in a job of kind files";
      if (!paths.isEmpty()) {
        v.add("paths", why);
      }
      if (!include.isEmpty()) {
        v.add("include", why);
      }
      if (!exclude.isEmpty()) {
        v.add("exclude", why);
      }
      if (preserveOwner != null) {
        v.add("preserveOwner", why);
      }
      if (stagingDir != null) {
        v.add("stagingDir", why);
      }
      if (maxBytes != null) {
        v.add("maxBytes", why);
      }
      if (bandwidthLimit != null && kind != SyncKind.ASTDB) {
        v.add("bandwidthLimit", "expected only in a job of kind files or astdb");
      }
      if (maxDeletePercent != null && kind != SyncKind.ASTDB) {
        v.add("maxDelete", "expected only in a job of kind files or astdb");
      }
      if (watch != null) {
        v.add("watch", why + " (other kinds run on their interval)");
      }
      if (transport != null && transport != SyncTransport.PEER_LINK) {
        v.add("transport", "expected peer-link: rsync moves files only");
      }
      if (rsync != null) {
        v.add("rsync", why);
      }
      if (!sitePaths.isEmpty()) {
        v.add("sitePaths", why);
      }
      if (!overrides.isEmpty()) {
        v.add("overrides", why + " (per-node rewrites apply to received files)");
      }
    }

    private static void onlyFor(
        Violations v,
        String k,
        Object a,
        String an,
        Object b,
        String bn,
        Object c,
        String cn,
        Object d,
        String dn) {
      Object[] values = {a, b, c, d};
      String[] names = {an, bn, cn, dn};
      for (int j = 0; j < values.length; j++) {
        if (values[j] != null) {
          v.add(names[j], "expected only in a job of kind " + k);
        }
      }
    }

    private void checkFiles(Violations v) {
      if (paths.isEmpty()) {
        v.add("paths", "missing: expected the directories to sync, e.g. [/etc/asterisk]");
      }
      for (int j = 0; j < paths.size(); j++) {
        String p = paths.get(j);
        String field = "paths[" + j + "]";
        if (!p.startsWith("/")) {
          v.add(field, "expected an absolute directory such as /etc/asterisk, was " + p);
          continue;
        }
        Path norm = Path.of(p).normalize();
        if (norm.getNameCount() == 0) {
          v.add(field, "expected a directory below /, not the root itself");
          continue;
        }
        if (!norm.toString()
            .equals(p.endsWith("/") && p.length() > 1 ? p.substring(0, p.length() - 1) : p)) {
          v.add(field, "expected a normalised path (no . or .. parts), e.g. " + norm);
          continue;
        }
        for (int k = 0; k < j; k++) {
          Path other = Path.of(paths.get(k)).normalize();
          if (norm.startsWith(other) || other.startsWith(norm)) {
            v.add(
                field,
                "expected directories that do not contain each other; "
                    + p
                    + " and "
                    + paths.get(k)
                    + " overlap");
          }
        }
      }
      int k = 0;
      for (Map.Entry<String, List<String>> e : sitePaths.entrySet()) {
        String field = "sitePaths[" + k++ + "].paths";
        if (e.getValue().size() != paths.size()) {
          v.add(
              field,
              "expected "
                  + paths.size()
                  + " directories, one for each of paths, in the same order; found "
                  + e.getValue().size());
        }
        for (String p : e.getValue()) {
          if (!p.startsWith("/") || Path.of(p).normalize().getNameCount() == 0) {
            v.add(field, "expected absolute directories below /, found " + p);
          }
        }
      }
      for (int j = 0; j < include.size(); j++) {
        SyncGlobs.check(v, "include[" + j + "]", include.get(j));
      }
      for (int j = 0; j < exclude.size(); j++) {
        SyncGlobs.check(v, "exclude[" + j + "]", exclude.get(j));
      }
      if (stagingDir != null && !stagingDir.startsWith("/")) {
        v.add("stagingDir", "expected an absolute directory on the same filesystem as the paths");
      }
      if (maxDeletePercent != null && (maxDeletePercent < 0 || maxDeletePercent > 100)) {
        v.add(
            "maxDelete",
            "expected a share such as 50% (0% to 100%), was " + maxDeletePercent + "%");
      }
      if (bandwidthLimit != null && bandwidthLimit < 1024) {
        v.add("bandwidthLimit", "expected at least 1KiB (per second), was " + bandwidthLimit);
      }
      if (maxBytes != null && maxBytes <= 0) {
        v.add("maxBytes", "expected a positive size such as 512MiB, was " + maxBytes);
      }
      SyncTransport t = transport != null ? transport : SyncTransport.PEER_LINK;
      if (t == SyncTransport.RSYNC && rsync == null) {
        v.add("rsync", "missing: transport rsync needs rsync.user (the SSH user on the receiver)");
      }
      if (t != SyncTransport.RSYNC && rsync != null) {
        v.add("rsync", "expected only with transport: rsync");
      }
      if (t == SyncTransport.RSYNC && reload != null) {
        v.add(
            "reload",
            "expected none with transport rsync: the receiving agent does not see rsync's changes;"
                + " use the peer-link transport to reload the PBX after a sync");
      }
      if (t == SyncTransport.RSYNC && !overrides.isEmpty()) {
        v.add(
            "overrides",
            "expected none with transport rsync: rsync writes straight into place, so a per-node"
                + " rewrite could not happen before the files are live; use the peer-link transport");
      }
    }

    private void checkSql(Violations v) {
      v.required(engine, "engine", "one of " + ConfigEnum.names(SqlEngine.class));
      v.required(database, "database", "the database name");
      v.required(user, "user", "the database user");
      v.required(password, "password", "a secret reference such as ${env:SYNC_DB_PASSWORD}");
      v.port(port, "port");
      if (host != null && !Formats.host(host)) {
        v.add("host", "expected a host name or address, was " + host);
      }
      if (tables.isEmpty()) {
        v.add("tables", "missing: expected the tables to copy together, e.g. [cdr, cel]");
      }
      for (int j = 0; j < tables.size(); j++) {
        if (!TABLE.matcher(tables.get(j)).matches()) {
          v.add(
              "tables[" + j + "]",
              "expected a table name such as cdr or public.cdr (letters, digits, _), was '"
                  + tables.get(j)
                  + "'");
        }
      }
      endpoints.forEach(
          (site, hp) -> {
            String hostPort = hp.contains("/") ? hp.substring(0, hp.indexOf('/')) : hp;
            String db = hp.contains("/") ? hp.substring(hp.indexOf('/') + 1) : "x";
            if (!Formats.hostPort(hostPort) || !db.matches("[A-Za-z0-9_$-]{1,63}")) {
              v.add("endpoints." + site, "expected host:port or host:port/database, was " + hp);
            }
          });
    }

    @Override
    protected SyncJobConfig create() {
      Duration i = interval != null ? interval : DEFAULT_INTERVAL;
      SyncSource source =
          switch (kind) {
            case FILES ->
                new SyncSource.Files(
                    paths.stream().map(p -> Path.of(p).normalize().toString()).toList(),
                    include.isEmpty() ? List.of("**") : include,
                    exclude,
                    preserveOwner == null || preserveOwner,
                    Optional.ofNullable(stagingDir),
                    maxBytes != null ? maxBytes : DEFAULT_MAX_BYTES,
                    Optional.ofNullable(rsync),
                    maxDeletePercent != null ? maxDeletePercent : 50,
                    bandwidthLimit != null ? bandwidthLimit : 0,
                    sitePaths);
            case ASTDB ->
                new SyncSource.AstDb(
                    families,
                    maxDeletePercent != null ? maxDeletePercent : 50,
                    bandwidthLimit != null ? bandwidthLimit : 0);
            case SQL ->
                new SyncSource.Sql(
                    engine,
                    host != null ? host : "127.0.0.1",
                    port != null ? port : engine.defaultPort(),
                    database,
                    user,
                    password,
                    tables,
                    endpoints);
          };
      return new SyncJobConfig(
          name,
          kind,
          source,
          i,
          staleAfter != null ? staleAfter : defaultStaleAfter(i),
          timeout != null ? timeout : DEFAULT_TIMEOUT,
          kind == SyncKind.FILES && (watch == null || watch),
          transport != null ? transport : SyncTransport.PEER_LINK,
          Optional.ofNullable(reload),
          overrides,
          values);
    }

    @Override
    protected String what() {
      return "sync job";
    }
  }
}
