package io.tandem.core.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** What a sync job reads on the sender and writes on the receiver; one record per kind. */
public sealed interface SyncSource {

  /**
   * Directory trees (the same absolute paths on every site).
   *
   * @param paths absolute directories, none inside another
   * @param include globs relative to each path; a file is synced if it matches one (default all)
   * @param exclude globs relative to each path; matching files and directories are never synced,
   *     and never deleted on the receiver
   * @param preserveOwner whether owner and group are copied (by name, else by number; needs root)
   * @param stagingDir where the receiver stages, if not beside each path (same filesystem needed)
   * @param maxBytes the most one run may transfer; a larger change is refused before it starts
   * @param rsync settings of the rsync transport, when it is chosen
   * @param maxDeletePercent the largest share of this site's files one run may delete (100: no
   *     limit), as rsync's {@code --max-delete}; a sender with no files never deletes
   * @param bandwidthLimit bytes per second the sender may read and send (0: no limit), as rsync's
   *     {@code --bwlimit}
   * @param sitePaths where a site keeps the same directories elsewhere (same count and order as
   *     {@code paths}), e.g. two sites on one host in a lab
   */
  record Files(
      List<String> paths,
      List<String> include,
      List<String> exclude,
      boolean preserveOwner,
      Optional<String> stagingDir,
      long maxBytes,
      Optional<Rsync> rsync,
      int maxDeletePercent,
      long bandwidthLimit,
      Map<String, List<String>> sitePaths)
      implements SyncSource {
    public Files {
      paths = List.copyOf(paths);
      Map<String, List<String>> copy = new LinkedHashMap<>();
      sitePaths.forEach((k, v) -> copy.put(k, List.copyOf(v)));
      sitePaths = java.util.Collections.unmodifiableMap(copy);
      include = List.copyOf(include);
      exclude = List.copyOf(exclude);
      Objects.requireNonNull(stagingDir, "stagingDir");
      Objects.requireNonNull(rsync, "rsync");
    }

    /** The job's directories on {@code site}. */
    public List<String> pathsFor(String site) {
      return sitePaths.getOrDefault(site, paths);
    }
  }

  /**
   * SSH settings of the rsync transport: the sender runs {@code rsync -a --delete --delay-updates}
   * to {@code user@<receiver's management host>:<path>}.
   *
   * @param user SSH user on the receiving host
   * @param port SSH port
   * @param identityFile private key the sending agent uses, if not its default
   */
  record Rsync(String user, int port, Optional<String> identityFile) {
    public Rsync {
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(identityFile, "identityFile");
    }
  }

  /**
   * Asterisk's internal database, read and written through each site's own Asterisk (AMI).
   *
   * @param families families to sync (e.g. {@code CF}, {@code DND}), compared exactly; empty means
   *     every family except {@link #NODE_LOCAL} ones
   * @param maxDeletePercent the largest share of this site's entries one run may delete (100: no
   *     limit); a sender with no entries never deletes
   * @param bandwidthLimit bytes per second the sender may send (0: no limit)
   */
  record AstDb(List<String> families, int maxDeletePercent, long bandwidthLimit)
      implements SyncSource {

    /**
     * Families that describe the node itself, never copied when {@code families} is empty: {@code
     * pbx} (its UUID, main/asterisk.c), {@code registrar} (the PJSIP contacts registered to it,
     * res_pjsip/location.c), {@code subscription_persistence} (its SUBSCRIBE dialogs,
     * res_pjsip_pubsub.c), {@code MediaCache} (paths of its local file cache, main/media_cache.c),
     * {@code STIR_SHAKEN} (its certificate cache), {@code dundi} (its DUNDi cache and peers) and
     * {@code IAX} (its IAX2 registrations).
     */
    public static final java.util.Set<String> NODE_LOCAL =
        java.util.Set.of(
            "pbx",
            "registrar",
            "subscription_persistence",
            "MediaCache",
            "STIR_SHAKEN",
            "dundi",
            "IAX");

    public AstDb {
      families = List.copyOf(families);
    }

    /** A job of {@code families} with the default limits (50% deletions, no bandwidth limit). */
    public AstDb(List<String> families) {
      this(families, 50, 0);
    }

    /** Whether a row of {@code family} belongs to this job. */
    public boolean selects(String family) {
      return families.isEmpty() ? !NODE_LOCAL.contains(family) : families.contains(family);
    }
  }

  /**
   * Tables of the database each site runs locally.
   *
   * @param engine MariaDB or PostgreSQL
   * @param host the database host as seen from each agent (default 127.0.0.1)
   * @param port its port (default the engine's)
   * @param database database name
   * @param user user (SELECT on the sender; SELECT, INSERT, DELETE on the receiver)
   * @param password its password, as a reference
   * @param tables the table set copied together, in one transaction each side
   * @param endpoints {@code host:port} (or {@code host:port/database}) per site where a site's
   *     database is elsewhere
   */
  record Sql(
      SqlEngine engine,
      String host,
      int port,
      String database,
      String user,
      SecretRef password,
      List<String> tables,
      Map<String, String> endpoints)
      implements SyncSource {
    public Sql {
      Objects.requireNonNull(engine, "engine");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(database, "database");
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(password, "password");
      tables = List.copyOf(tables);
      endpoints = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(endpoints));
    }

    /** The {@code host:port} of {@code site}'s database. */
    public String endpointOf(String site) {
      String e = endpoints.get(site);
      if (e != null) {
        int slash = e.indexOf('/');
        return slash < 0 ? e : e.substring(0, slash);
      }
      return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }

    /** The database name on {@code site}. */
    public String databaseOf(String site) {
      String e = endpoints.get(site);
      return e != null && e.indexOf('/') > 0 ? e.substring(e.indexOf('/') + 1) : database;
    }
  }
}
