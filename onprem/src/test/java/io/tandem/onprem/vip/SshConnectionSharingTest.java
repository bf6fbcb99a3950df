package io.tandem.onprem.vip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.TransientException;
import io.tandem.testkit.Sshd;
import io.tandem.testkit.SshdPeer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VIP mover's host commands over a real OpenSSH server on 127.0.0.1 (Debian's sshd, its log at
 * INFO: one {@code Accepted publickey} line per authenticated connection), with the options the
 * agent passes ({@link SshOptions}); ssh reads port, user, key and host key from a config file, as
 * it reads an operator's {@code ~/.ssh/config}.
 */
@Sshd
class SshConnectionSharingTest {

  /** The other site's host, as the cluster file names it. */
  private static final String HOST = "127.0.0.1";

  /** Long, so that a command hanging on a dead master shows up as this, not as a quick failure. */
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

  private static final int CONNECT_TIMEOUT = 2;

  @TempDir Path dir;
  private final List<SshOptions> opened = new ArrayList<>();

  @AfterEach
  void stopMasters() {
    opened.forEach(o -> o.stopMaster(HOST));
  }

  @Test
  void commandsToALiveHostShareOneConnectionAndOneAuthentication(SshdPeer sshd) throws IOException {
    LinuxVipMover mover = mover(sshd, shared(sshd));
    long before = authentications(sshd);

    for (int i = 0; i < 5; i++) {
      mover.reach(HOST);
    }

    assertThat(authentications(sshd) - before)
        .as("sshd's authentications for 5 commands (%s)", sshd.logFile())
        .isEqualTo(1);
  }

  @Test
  void withoutSharingEveryCommandConnectsAgain(SshdPeer sshd) throws IOException {
    LinuxVipMover mover = mover(sshd, SshOptions.plain().withSsh(ssh(sshd)));
    long before = authentications(sshd);

    for (int i = 0; i < 3; i++) {
      mover.reach(HOST);
    }

    assertThat(authentications(sshd) - before).isEqualTo(3);
    assertThat(mover.remoteHosts()).containsExactly(HOST);
  }

  /**
   * A host that goes silent (powered off, link down: no FIN reaches the master) is modelled by
   * stopping sshd and its session processes (SIGSTOP): the kernel keeps the TCP connection, nobody
   * answers. The next command must fail within the master's keep-alive bound ({@link
   * SshOptions#ALIVE_INTERVAL} × ({@link SshOptions#ALIVE_COUNT_MAX} + 1) = 3 s) plus the direct
   * connection's {@code ConnectTimeout} (2 s here; ssh then falls back to connecting itself), not
   * hang until the step's timeout. Design bound 5 s; allowance 10 s for a loaded 2-core machine.
   */
  @Test
  void aMasterToAHostThatWentSilentFailsTheNextCommandWithinItsBound(SshdPeer sshd)
      throws IOException {
    LinuxVipMover mover = mover(sshd, shared(sshd));
    mover.reach(HOST);
    List<Long> frozen = sshdProcesses(sshd);
    signal("-STOP", frozen);
    try {
      long start = System.nanoTime();
      assertThatThrownBy(() -> mover.reach(HOST)).isInstanceOf(TransientException.class);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took)
          .as("a command to a silent host behind a master")
          .isLessThan(Duration.ofSeconds(5 + 10));
    } finally {
      signal("-CONT", frozen);
    }
    // the host is back: the next command connects again
    mover.reach(HOST);
  }

  /**
   * A master that is gone (killed; its socket left behind) must not make a reachable host look
   * dead: ssh finds the socket refusing, unlinks it and connects itself (OpenSSH {@code mux.c},
   * "Stale control socket"), becoming the new master.
   */
  @Test
  void aStaleSocketFallsBackToANewConnection(SshdPeer sshd) throws IOException {
    SshOptions options = shared(sshd);
    LinuxVipMover mover = mover(sshd, options);
    mover.reach(HOST);
    Path control = options.controlDir().orElseThrow();
    List<Path> sockets = sockets(control);
    assertThat(sockets).containsExactly(options.socket(HOST));
    List<ProcessHandle> masters = masters(control);
    assertThat(masters).isNotEmpty();
    masters.forEach(ProcessHandle::destroyForcibly);
    masters.forEach(m -> m.onExit().join());
    assertThat(sockets(control)).as("the dead master's socket is left behind").hasSize(1);
    long before = authentications(sshd);

    mover.reach(HOST);

    assertThat(authentications(sshd) - before).isEqualTo(1);
    assertThat(masters(control)).as("a new master").isNotEmpty();
    mover.reach(HOST);
    assertThat(authentications(sshd) - before).isEqualTo(1);
  }

  @Test
  void aSocketDirectoryTooLongForAUnixSocketIsRefusedWhenBuilt() {
    String base = dir.toAbsolutePath() + "/ssh-";
    Path deep = Path.of(base + "x".repeat(SshOptions.MAX_DIR_LENGTH + 1 - base.length()));
    assertThatThrownBy(() -> SshOptions.shared(deep))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sshConnectionSharing: false");
  }

  @Test
  void theSharingOptionsAreOnlyPassedWhenShared() {
    assertThat(SshOptions.plain().prefix("h"))
        .containsExactly("ssh", "-o", "BatchMode=yes", "h", "--");
    assertThat(SshOptions.shared(dir.resolve("ssh")).prefix("h"))
        .contains(
            "ControlMaster=auto",
            "ControlPath=" + SshOptions.shared(dir.resolve("ssh")).socket("h"),
            "ControlPersist=60s",
            "ServerAliveInterval=1",
            "ServerAliveCountMax=2");
  }

  /**
   * Shared, its socket directory exactly {@link SshOptions#MAX_DIR_LENGTH} bytes long: if the bound
   * were too generous ssh would not share (it logs "path too long" and connects itself).
   */
  private SshOptions shared(SshdPeer sshd) {
    String base = dir.toAbsolutePath() + "/ssh-";
    Path longest = Path.of(base + "x".repeat(SshOptions.MAX_DIR_LENGTH - base.length()));
    assertThat(longest.toString()).hasSize(SshOptions.MAX_DIR_LENGTH);
    SshOptions o = SshOptions.shared(longest).withSsh(ssh(sshd));
    opened.add(o);
    return o;
  }

  /** ssh reading this server's port, user, key and host key from a config file. */
  private List<String> ssh(SshdPeer sshd) {
    Path config = dir.resolve("ssh_config");
    try {
      Files.writeString(config, sshd.clientConfig(HOST, "ConnectTimeout " + CONNECT_TIMEOUT));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return List.of("ssh", "-F", config.toString());
  }

  /** This machine's own host and the other site's over ssh, both on {@code lo}. */
  private LinuxVipMover mover(SshdPeer sshd, SshOptions options) {
    return new LinuxVipMover(
        VipConfig.builder()
            .address("192.0.2.50")
            .prefixLength(24)
            .host(LocalHostCommand.local("this-host"), "lo")
            .host(options.command(HOST), "lo")
            .commandTimeout(COMMAND_TIMEOUT)
            .stateFile(dir.resolve("vip.state"))
            .build());
  }

  private static long authentications(SshdPeer sshd) throws IOException {
    try (Stream<String> lines = Files.lines(sshd.logFile())) {
      return lines.filter(l -> l.contains("Accepted publickey")).count();
    }
  }

  private static List<Long> sshdProcesses(SshdPeer sshd) {
    ProcessHandle listener = ProcessHandle.of(sshd.pid()).orElseThrow();
    List<Long> pids = new ArrayList<>();
    pids.add(listener.pid());
    listener.descendants().forEach(p -> pids.add(p.pid()));
    assertThat(pids).as("sshd and its session's processes").hasSizeGreaterThan(1);
    return pids;
  }

  private static void signal(String signal, List<Long> pids) {
    List<String> argv = new ArrayList<>(List.of("kill", signal));
    pids.forEach(p -> argv.add(Long.toString(p)));
    assertThat(LocalHostCommand.local("test").run(argv, Duration.ofSeconds(5)).ok()).isTrue();
  }

  private static List<Path> sockets(Path control) throws IOException {
    try (Stream<Path> s = Files.list(control)) {
      return s.toList();
    }
  }

  /** ssh's masters for sockets in {@code control}: their title is {@code ssh: <path> [mux]}. */
  private static List<ProcessHandle> masters(Path control) {
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                cmdline(p)
                    .map(c -> c.contains(control.toString()) && c.contains("[mux]"))
                    .orElse(false))
        .toList();
  }

  /** The process title as ps shows it (ssh rewrites its argv; ProcessHandle.Info may not). */
  private static Optional<String> cmdline(ProcessHandle p) {
    try {
      return Optional.of(
          Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")).replace('\0', ' '));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
