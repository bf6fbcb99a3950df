package io.tandem.core.config;

import io.tandem.core.config.Fields.Indexed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the {@code sync:} list of a cluster file into {@link SyncJobConfig}s, with every problem
 * located like the rest of the file, and maps the indices of built jobs back to the file's for the
 * cluster-wide checks ({@link SyncJobs}). Used by {@link ClusterConfigLoader}; not thread-safe.
 */
final class SyncConfigReader {

  private static final Pattern SIZE =
      Pattern.compile("(\\d{1,15})\\s*(b|kib|mib|gib|tib|kb|mb|gb|tb)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern AT = Pattern.compile("^sync\\[(\\d+)]");
  private static final Pattern PER_SITE =
      Pattern.compile(
          "^sync\\[\\d+]\\.(values|endpoints|overrides\\[\\d+]\\.(sites|perSite)|overrides\\[\\d+]$)");

  private final List<Integer> fileIndex = new ArrayList<>();

  /** Reads every job under {@code sync} of {@code top} into {@code cluster}. */
  void read(Fields top, ClusterConfig.Builder cluster) {
    for (Indexed i : top.objects("sync")) {
      SyncJobConfig job = job(i.fields());
      if (job != null) {
        cluster.sync(job);
        fileIndex.add(i.index());
      }
    }
  }

  /** The path with a built job's index replaced by its index in the file. */
  String remap(String path) {
    Matcher m = AT.matcher(path);
    if (!m.find()) {
      return path;
    }
    int built = Integer.parseInt(m.group(1));
    int file = built < fileIndex.size() ? fileIndex.get(built) : built;
    return "sync[" + file + "]" + path.substring(m.end());
  }

  /**
   * Whether a cluster-wide violation should be reported: rules about site names say nothing useful
   * while a site failed to build (its own problem is reported).
   */
  static boolean keep(Violation v, boolean allSitesBuilt) {
    return allSitesBuilt || !PER_SITE.matcher(v.field()).find();
  }

  private static SyncJobConfig job(Fields f) {
    SyncJobConfig.Builder b =
        SyncJobConfig.builder()
            .name(f.string("name"))
            .kind(f.choice("kind", SyncKind.class))
            .interval(f.duration("interval"))
            .staleAfter(f.duration("staleAfter"))
            .timeout(f.duration("timeout"))
            .watch(f.bool("watch"))
            .transport(f.choice("transport", SyncTransport.class))
            .preserveOwner(f.bool("preserveOwner"))
            .stagingDir(f.string("stagingDir"))
            .engine(f.choice("engine", SqlEngine.class))
            .host(f.string("host"))
            .port(f.integer("port"))
            .database(f.string("database"))
            .user(f.string("user"))
            .password(f.secret("password"));
    list(f, "paths").forEach(b::path);
    list(f, "include").forEach(b::include);
    list(f, "exclude").forEach(b::exclude);
    list(f, "families").forEach(b::family);
    list(f, "tables").forEach(b::table);
    Map<String, String> endpoints = f.stringMap("endpoints");
    if (endpoints != null) {
      endpoints.forEach(b::endpoint);
    }
    String maxDelete = f.string("maxDelete");
    if (maxDelete != null) {
      if (maxDelete.strip().matches("\\d{1,3}\\s*%")) {
        b.maxDeletePercent(Integer.parseInt(maxDelete.strip().replaceAll("\\s*%", "")));
      } else {
        f.context()
            .problem(
                f.at("maxDelete"),
                "expected a share such as 50% or 100%, found '" + maxDelete + "'");
      }
    }
    String bw = f.string("bandwidthLimit");
    if (bw != null) {
      Optional<Long> bytes = parseSize(bw.replaceFirst("(?i)/s$", ""));
      if (bytes.isPresent()) {
        b.bandwidthLimit(bytes.get());
      } else {
        f.context()
            .problem(
                f.at("bandwidthLimit"),
                "expected bytes per second such as 10MiB, found '" + bw + "'");
      }
    }
    String size = f.string("maxBytes");
    if (size != null) {
      Optional<Long> bytes = parseSize(size);
      if (bytes.isPresent()) {
        b.maxBytes(bytes.get());
      } else {
        f.context()
            .problem(
                f.at("maxBytes"),
                "expected a size such as 512MiB, 2GiB or 1000000, found '" + size + "'");
      }
    }
    boolean childFailed = false;
    Fields rsync = f.object("rsync");
    if (rsync != null) {
      String user = rsync.string("user");
      Integer port = rsync.integer("port");
      String key = rsync.string("identityFile");
      rsync.finish();
      if (user == null || user.isBlank()) {
        f.context()
            .problem(rsync.at("user"), "missing: expected the SSH user on the receiving host");
        childFailed = true;
      } else if (port != null && (port < 1 || port > 65535)) {
        f.context()
            .problem(rsync.at("port"), "expected a port number between 1 and 65535, was " + port);
        childFailed = true;
      } else {
        b.rsync(new SyncSource.Rsync(user, port != null ? port : 22, Optional.ofNullable(key)));
      }
    }
    Fields reload = f.object("reload");
    if (reload != null) {
      SyncReload r = reload(reload);
      childFailed |= r == null;
      if (r != null) {
        b.reload(r);
      }
    }
    for (Indexed i : f.objects("overrides")) {
      SyncOverride o = override(i.fields());
      childFailed |= o == null;
      if (o != null) {
        b.override(o);
      }
    }
    for (Indexed i : f.objects("sitePaths")) {
      Fields sp = i.fields();
      String site = sp.string("site");
      List<String> paths = sp.stringList("paths");
      sp.finish();
      if (site == null || paths == null) {
        f.context()
            .problem(
                sp.path(),
                "expected site and paths, e.g. {site: lab-b, paths: [/tmp/b/etc/asterisk]}");
        childFailed = true;
      } else {
        b.sitePaths(site, paths);
      }
    }
    for (Indexed i : f.objects("values")) {
      Fields vf = i.fields();
      String site = vf.string("site");
      Map<String, String> set = vf.stringMap("set");
      vf.finish();
      if (site == null) {
        f.context().problem(vf.at("site"), "missing: expected the site these values are for");
        childFailed = true;
      } else {
        b.values(site, set != null ? set : Map.of());
      }
    }
    f.belongElsewhere(
        "a files job",
        "paths",
        "include",
        "exclude",
        "preserveOwner",
        "stagingDir",
        "maxBytes",
        "watch",
        "rsync",
        "overrides");
    f.belongElsewhere(
        "an sql job",
        "engine",
        "host",
        "port",
        "database",
        "user",
        "password",
        "tables",
        "endpoints");
    f.belongElsewhere("an astdb job", "families");
    f.finish();
    List<Violation> violations = b.violations();
    if (!violations.isEmpty() || childFailed) {
      f.context().violations(f.path(), violations);
      f.context().rejectObject(f.path());
      return null;
    }
    return b.build();
  }

  private static SyncReload reload(Fields f) {
    String module = f.string("module");
    String api = f.string("freeswitch");
    List<String> command = f.stringList("command");
    Duration timeout = f.duration("timeout");
    f.finish();
    int given = (module != null ? 1 : 0) + (api != null ? 1 : 0) + (command != null ? 1 : 0);
    if (given != 1) {
      f.context()
          .problem(
              f.path(),
              "expected exactly one of module (e.g. res_pjsip.so), freeswitch (an API command such"
                  + " as reloadxml) or command (a list: program and arguments)");
      return null;
    }
    if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
      f.context().problem(f.at("timeout"), "expected a positive duration such as 30s");
      return null;
    }
    if (module != null) {
      return new SyncReload.Module(module);
    }
    if (api != null) {
      return new SyncReload.FreeswitchApi(api);
    }
    if (command.isEmpty() || !command.get(0).startsWith("/")) {
      f.context()
          .problem(
              f.at("command"),
              "expected a program with an absolute path and its arguments, e.g. [/usr/sbin/asterisk, -rx, dialplan reload]");
      return null;
    }
    return new SyncReload.Command(command, timeout != null ? timeout : Duration.ofSeconds(30));
  }

  private static SyncOverride override(Fields f) {
    SyncOverride.Builder b =
        SyncOverride.builder()
            .replace(f.string("replace"))
            .regex(f.string("regex"))
            .with(f.string("with"));
    list(f, "files").forEach(b::file);
    list(f, "sites").forEach(b::site);
    Map<String, String> perSite = f.stringMap("perSite");
    if (perSite != null) {
      perSite.forEach(b::perSite);
    }
    f.finish();
    List<Violation> violations = b.violations();
    if (!violations.isEmpty()) {
      f.context().violations(f.path(), violations);
      f.context().rejectObject(f.path());
      return null;
    }
    return b.build();
  }

  private static List<String> list(Fields f, String key) {
    List<String> l = f.stringList(key);
    return l != null ? l : List.of();
  }

  /** Parses {@code 512MiB}, {@code 2GiB}, {@code 10MB} or a plain number of bytes. */
  static Optional<Long> parseSize(String text) {
    Matcher m = SIZE.matcher(text.strip());
    if (!m.matches()) {
      return Optional.empty();
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    long factor =
        switch (unit) {
          case "kib" -> 1L << 10;
          case "mib" -> 1L << 20;
          case "gib" -> 1L << 30;
          case "tib" -> 1L << 40;
          case "kb" -> 1000L;
          case "mb" -> 1000_000L;
          case "gb" -> 1000_000_000L;
          case "tb" -> 1000_000_000_000L;
          default -> 1L;
        };
    return n > Long.MAX_VALUE / factor ? Optional.empty() : Optional.of(n * factor);
  }
}
