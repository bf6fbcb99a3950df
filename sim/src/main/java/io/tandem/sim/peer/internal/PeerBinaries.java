package io.tandem.sim.peer.internal;

import io.tandem.sim.peer.PeerNotInstalledException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Finds peer executables: Debian packages on {@code PATH} (plus the sbin directories, which a
 * non-root {@code PATH} often lacks) and the project-local peers under {@code .peers/} that {@code
 * scripts/install-peers} creates. Immutable and thread-safe.
 *
 * <p>The project's {@code .peers} directory is found through, in order: the configuration parameter
 * (a JUnit one in tests) or system property {@value #PEERS_DIR_PARAM}, the system property {@code
 * tandem.projectRoot} (set by Surefire in the parent pom), the environment variable {@code
 * TANDEM_PEERS_DIR}, or by walking up from {@code user.dir} to a directory containing {@code
 * .peers}.
 */
public final class PeerBinaries {

  /** Overrides the directories searched for system binaries (path-separator list); for tests. */
  public static final String BIN_PATH_PARAM = "tandem.testkit.binPath";

  /** Overrides the project-local peers directory; for tests. */
  public static final String PEERS_DIR_PARAM = "tandem.testkit.peersDir";

  public static final String INSTALL_ALL = "./scripts/install-peers";

  private final List<Path> binDirs;
  private final Optional<Path> peersDir;

  PeerBinaries(List<Path> binDirs, Optional<Path> peersDir) {
    this.binDirs = List.copyOf(binDirs);
    this.peersDir = peersDir;
  }

  /** The lookup outside JUnit: the override parameters are read as system properties. */
  public static PeerBinaries fromSystemProperties() {
    return of(key -> Optional.ofNullable(System.getProperty(key)).filter(v -> !v.isBlank()));
  }

  /**
   * The lookup with the override parameters read from {@code parameters} (the testkit passes a
   * JUnit context's configuration parameters).
   */
  public static PeerBinaries of(Function<String, Optional<String>> parameters) {
    Optional<String> binPath = parameters.apply(BIN_PATH_PARAM);
    Optional<String> peers = parameters.apply(PEERS_DIR_PARAM);
    List<Path> dirs = binPath.map(PeerBinaries::split).orElseGet(PeerBinaries::systemDirs);
    Optional<Path> peersDir = peers.map(Path::of).or(PeerBinaries::findPeersDir);
    return new PeerBinaries(dirs, peersDir);
  }

  /** A Debian-packaged binary, e.g. {@code kamailio}; {@code aptPackage} names its package. */
  public Path system(String binary, String aptPackage) {
    for (Path dir : binDirs) {
      Path candidate = dir.resolve(binary);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw missing(
        binary, "searched " + binDirs, "apt-get install -y --no-install-recommends " + aptPackage);
  }

  /** A binary under the project's {@code .peers} directory, e.g. {@code venv/bin/moto_server}. */
  public Path projectLocal(String relative, String manualInstall) {
    if (peersDir.isPresent()) {
      Path candidate = peersDir.get().resolve(relative);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
      throw missing(relative, "not found under " + peersDir.get(), manualInstall);
    }
    throw missing(
        relative,
        "no .peers directory found (tandem.projectRoot, TANDEM_PEERS_DIR, or above user.dir)",
        manualInstall);
  }

  private static PeerNotInstalledException missing(
      String binary, String where, String manualInstall) {
    String message =
        "Peer binary '%s' is not installed (%s). Install the test peers with: %s   (or by hand: %s)"
            .formatted(binary, where, INSTALL_ALL, manualInstall);
    return new PeerNotInstalledException(message, INSTALL_ALL);
  }

  private static List<Path> split(String pathList) {
    List<Path> dirs = new ArrayList<>();
    for (String part : pathList.split(File.pathSeparator)) {
      if (!part.isBlank()) {
        dirs.add(Path.of(part));
      }
    }
    return dirs;
  }

  private static List<Path> systemDirs() {
    LinkedHashSet<Path> dirs = new LinkedHashSet<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(split(path));
    }
    for (String extra : List.of("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/bin")) {
      dirs.add(Path.of(extra));
    }
    return List.copyOf(dirs);
  }

  private static Optional<Path> findPeersDir() {
    String root = System.getProperty("tandem.projectRoot");
    if (root != null && !root.isBlank() && Files.isDirectory(Path.of(root, ".peers"))) {
      return Optional.of(Path.of(root, ".peers"));
    }
    String env = System.getenv("TANDEM_PEERS_DIR");
    if (env != null && !env.isBlank() && Files.isDirectory(Path.of(env))) {
      return Optional.of(Path.of(env));
    }
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    // Bounded by the depth of the path.
    while (dir != null) {
      if (Files.isDirectory(dir.resolve(".peers"))) {
        return Optional.of(dir.resolve(".peers"));
      }
      dir = dir.getParent();
    }
    return Optional.empty();
  }
}
