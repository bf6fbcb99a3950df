package io.tandem.onprem.vip;

import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a {@link LinuxVipMover} reaches a host of another site: the system's OpenSSH client, {@code
 * ssh -o BatchMode=yes [sharing options] [-o ConnectTimeout=<s>] <host> --}, everything else (user,
 * key, port, host keys, a {@code ConnectTimeout} of theirs) from the operator's {@code ssh_config}.
 *
 * <p><b>Connection sharing</b> (issue 17.2: an agent-crash failover spent about 2.1 s in four ssh
 * handshakes to the live old host). With {@link #shared} every command to a host rides one
 * kept-open connection, the way operators configure ssh for automation (Ansible's default {@code
 * ControlMaster=auto -o ControlPersist=60s}); per {@code ssh_config(5)}:
 *
 * <ul>
 *   <li>{@code ControlMaster=auto}: a command uses the host's master if one listens on {@code
 *       ControlPath}, else connects itself and becomes the master. A socket whose master is gone
 *       (killed, host rebooted) is unlinked and the command connects directly ({@code mux.c}: a
 *       refused connect to the socket is a "stale control socket"), so a stale master never makes a
 *       reachable host look dead ({@code SshConnectionSharingTest}).
 *   <li>{@code ControlPersist}={@link #PERSIST}: the master stays in the background that long after
 *       its last session, longer than the warm-up's period (20 s), so a warmed master is there when
 *       a fault comes. With its stdio on {@code /dev/null} it does not hold the first command's
 *       pipes.
 *   <li>{@code ServerAliveInterval}={@link #ALIVE_INTERVAL} s, {@code ServerAliveCountMax}={@link
 *       #ALIVE_COUNT_MAX}: a master to a host that went silent (powered off, link down: no FIN
 *       arrives) disconnects after about 3 s without answers, and a command waiting on it then
 *       fails over to a direct connection bounded by {@code ConnectTimeout}; without it the command
 *       would hang until the step's timeout (and TCP's keep-alive would take hours).
 *   <li>{@code ControlPath=<dir>/<16 hex digits>}: a short hash of the host name as the cluster
 *       file writes it (ssh's own {@code %C} is 40 digits). A Unix socket path is limited to 107
 *       bytes ({@code sun_path}) and ssh first binds {@code <path>.<16 random characters>} then
 *       renames it ({@code mux.c}), so the directory's path may have at most {@link
 *       #MAX_DIR_LENGTH} bytes: checked here, when the agent is assembled: OpenSSH 9.2 fails the
 *       command itself ({@code unix_listener: ... too long for Unix domain socket}, exit 255), so a
 *       long path would make a live host look dead. The test uses a directory of exactly this
 *       length.
 * </ul>
 *
 * <p>Command-line options take precedence over {@code ssh_config} (its "first obtained value"
 * rule), so the cluster file's {@code sshConnectionSharing: false} on a VIP entry is how an
 * operator turns sharing off for that host: {@link #plain} passes none of these options, and the
 * operator's own {@code ssh_config} (including any {@code ControlMaster} of theirs) applies.
 *
 * <p><b>ConnectTimeout.</b> Without one, a connect to a host that drops packets (powered off, link
 * down) waits for TCP's own retries (minutes), so the command would be cut only by the step's
 * command timeout, reported as "did not finish". Unless the operator's {@code ssh_config} sets
 * {@code ConnectTimeout} for the host (asked once per host with {@code ssh -G <host>}, which prints
 * {@code connecttimeout none} when nothing sets it), every command passes {@code -o
 * ConnectTimeout=}{@link #connectTimeoutSeconds half the command timeout}: a dead host fails
 * sooner, in ssh's own words ({@code Connection timed out}, exit 255). The operator's value wins
 * because an explicit setting for a host is what operators expect ssh to use, and a {@code -o} of
 * ours would silently beat it; both plain and shared commands get it (with a live master it is not
 * used). {@code ssh_config(5)} (OpenSSH 9.2): "Specifies the timeout (in seconds) used when
 * connecting to the SSH server ... applied both to establishing the connection and to performing
 * the initial SSH protocol handshake and key exchange" — whole seconds.
 *
 * @param ssh the command that runs ssh, normally {@code [ssh]}; a test adds {@code -F <file>}
 * @param controlDir where the masters' sockets live (mode 0700), empty when not shared
 */
public record SshOptions(List<String> ssh, Optional<Path> controlDir) {

  /** How long an idle master stays open. */
  public static final Duration PERSIST = Duration.ofSeconds(60);

  /** Seconds between the master's keep-alive requests when the host sends nothing. */
  public static final int ALIVE_INTERVAL = 1;

  /** Unanswered keep-alive requests after which the master disconnects. */
  public static final int ALIVE_COUNT_MAX = 2;

  /**
   * The {@code ConnectTimeout} passed with a command bounded by {@code commandTimeout} when the
   * operator's {@code ssh_config} sets none: half of it in whole seconds (ssh takes seconds), at
   * least 1 — 2 s for the shipped 5 s, leaving the other half for login and the command itself.
   */
  public static int connectTimeoutSeconds(Duration commandTimeout) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, commandTimeout.toSeconds() / 2));
  }

  /** Hex digits of a socket's name. */
  private static final int NAME_LENGTH = 16;

  /** sun_path (108) - NUL - "/" - name - "." - 16 (ssh's temporary suffix). */
  public static final int MAX_DIR_LENGTH = 108 - 1 - 1 - NAME_LENGTH - 1 - 16;

  public SshOptions {
    ssh = List.copyOf(ssh);
    if (ssh.isEmpty()) {
      throw new ConfigException("ssh: expected a command");
    }
    if (controlDir.isPresent()) {
      String dir = controlDir.get().toAbsolutePath().toString();
      int length = dir.getBytes(StandardCharsets.UTF_8).length;
      if (length > MAX_DIR_LENGTH) {
        throw new ConfigException(
            "ssh connection sharing: the socket directory "
                + dir
                + " is "
                + length
                + " bytes long, at most "
                + MAX_DIR_LENGTH
                + " fit a Unix socket path; use a shorter --data-dir, or set"
                + " sshConnectionSharing: false on the vip entries");
      }
      if (dir.contains("%")) {
        throw new ConfigException(
            "ssh connection sharing: the socket directory " + dir + " contains '%'");
      }
    }
  }

  /** A new connection per command ({@code sshConnectionSharing: false}). */
  public static SshOptions plain() {
    return new SshOptions(List.of("ssh"), Optional.empty());
  }

  /**
   * One kept-open connection per host, its socket in {@code dir} (created with mode 0700 if
   * missing: the socket gives a shell on the host to whoever can connect to it).
   */
  public static SshOptions shared(Path dir) {
    SshOptions o = new SshOptions(List.of("ssh"), Optional.of(dir));
    o.createDir();
    return o;
  }

  /** The same options with another ssh command (a test's {@code ssh -F <config>}). */
  public SshOptions withSsh(List<String> command) {
    return new SshOptions(command, controlDir);
  }

  /** The prefix that runs a command on {@code host}. */
  public List<String> prefix(String host) {
    List<String> p = new ArrayList<>(ssh);
    option(p, "BatchMode=yes");
    controlDir.ifPresent(
        d -> {
          option(p, "ControlMaster=auto");
          option(p, "ControlPath=" + socket(host));
          option(p, "ControlPersist=" + PERSIST.toSeconds() + "s");
          option(p, "ServerAliveInterval=" + ALIVE_INTERVAL);
          option(p, "ServerAliveCountMax=" + ALIVE_COUNT_MAX);
        });
    p.add(host);
    p.add("--");
    return p;
  }

  /**
   * The prefix that runs a command bounded by {@code commandTimeout} on {@code host}: {@link
   * #prefix(String)} plus {@code -o ConnectTimeout=}{@link #connectTimeoutSeconds} unless {@code
   * operatorConnectTimeout} (the operator's {@code ssh_config} sets one, {@link
   * #operatorSetsConnectTimeout}).
   */
  public List<String> prefix(String host, Duration commandTimeout, boolean operatorConnectTimeout) {
    List<String> p = prefix(host);
    if (!operatorConnectTimeout) {
      p.add(p.size() - 2, "-o"); // before "<host> --"
      p.add(p.size() - 2, "ConnectTimeout=" + connectTimeoutSeconds(commandTimeout));
    }
    return p;
  }

  /**
   * Whether the operator's {@code ssh_config} sets {@code ConnectTimeout} for {@code host}: {@code
   * ssh -G <host>} prints the configuration ssh would use, {@code connecttimeout none} when nothing
   * sets it (OpenSSH 9.2; a negative number is read as unset too, the internal "unset" value).
   * Empty when ssh could not say (it then fails the command itself in its own words).
   */
  public Optional<Boolean> operatorSetsConnectTimeout(String host, Duration timeout) {
    List<String> argv = new ArrayList<>(ssh);
    argv.add("-G");
    argv.add(host);
    HostCommand.CommandResult r;
    try {
      r = new LocalHostCommand(host, List.of()).run(argv, timeout);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    if (!r.ok()) {
      return Optional.empty();
    }
    return r.stdout()
        .lines()
        .filter(l -> l.startsWith("connecttimeout "))
        .findFirst()
        .map(l -> l.substring("connecttimeout ".length()).strip())
        .map(v -> !v.equals("none") && !v.startsWith("-"));
  }

  /** The master's socket for {@code host} (when shared). */
  public Path socket(String host) {
    try {
      byte[] hash =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(host.getBytes(StandardCharsets.UTF_8));
      String name = java.util.HexFormat.of().formatHex(hash).substring(0, NAME_LENGTH);
      return controlDir.orElseThrow().toAbsolutePath().resolve(name);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * A {@link HostCommand} that runs on {@code host} over ssh with these options and a {@code
   * ConnectTimeout} derived from each command's timeout unless the operator's {@code ssh_config}
   * sets one (asked at the first command, then remembered).
   */
  public HostCommand command(String host) {
    return new SshHostCommand(this, host);
  }

  /**
   * Asks the master to {@code host} to exit ({@code ssh -O exit}), best effort: when the agent
   * stops, so no master outlives it by {@link #PERSIST}. Nothing to do without sharing.
   */
  public void stopMaster(String host) {
    if (controlDir.isEmpty()) {
      return;
    }
    List<String> argv = prefix(host);
    argv.remove(argv.size() - 1); // "--"
    argv.add(argv.size() - 1, "-O");
    argv.add(argv.size() - 1, "exit");
    try {
      new LocalHostCommand(host, List.of()).run(argv, Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      // no master, or it did not answer: it exits by itself after PERSIST
    }
  }

  private static void option(List<String> p, String value) {
    p.add("-o");
    p.add(value);
  }

  private void createDir() {
    Path d = controlDir.orElseThrow();
    try {
      if (!Files.isDirectory(d)) {
        Files.createDirectories(d.getParent());
        Files.createDirectory(
            d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // created meanwhile by another agent of this data directory: fine
    } catch (IOException e) {
      throw new ConfigException(
          "ssh connection sharing: cannot create " + d + ": " + e.getMessage(), e);
    }
  }
}
