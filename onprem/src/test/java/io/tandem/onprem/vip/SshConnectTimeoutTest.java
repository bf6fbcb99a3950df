package io.tandem.onprem.vip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.tandem.core.error.TransientException;
import io.tandem.onprem.vip.HostCommand.CommandResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VIP host of another site that is down (powered off, link cut: its SYNs go unanswered), reached
 * with the real OpenSSH client the way the agent reaches it ({@link SshOptions#shared}, a {@link
 * LinuxVipMover} with the shipped command timeout). The host is an address inside a network
 * namespace this test creates, whose nftables input chain drops TCP to port 22 (needs root, as the
 * other namespace tests); ssh runs inside it ({@code ip netns exec}) and reads the user's {@code
 * ssh_config} from a file, as the agent's ssh reads {@code ~/.ssh/config}.
 */
class SshConnectTimeoutTest {

  /** TEST-NET-2: exists only on the namespace's loopback. */
  private static final String DEAD_HOST = "198.51.100.2";

  private static final String NS = "tdm-ssh-" + ProcessHandle.current().pid();
  private static final Duration T = Duration.ofSeconds(5);
  private static final LocalHostCommand ROOT = LocalHostCommand.local("root");
  private static boolean created;

  @TempDir Path dir;

  @BeforeAll
  static void createNamespaceThatDropsSyns() {
    if (!ROOT.run(List.of("id", "-u"), T).stdout().strip().equals("0")) {
      fail("needs root (it creates a network namespace): run the test suite as root, as CI does");
    }
    if (!ROOT.run(List.of("sh", "-c", "command -v nft"), T).ok()) {
      fail("nft is missing: run scripts/install-peers (apt-get install nftables)");
    }
    sh("ip", "netns", "add", NS);
    created = true;
    sh("ip", "-n", NS, "link", "set", "lo", "up");
    sh("ip", "-n", NS, "addr", "add", DEAD_HOST + "/32", "dev", "lo");
    // dropped on input: the SYN leaves without an error and nothing ever answers it
    sh(
        "ip",
        "netns",
        "exec",
        NS,
        "nft",
        "add table inet tandemtest;"
            + " add chain inet tandemtest input { type filter hook input priority 0; };"
            + " add rule inet tandemtest input tcp dport 22 drop");
  }

  @AfterAll
  static void deleteNamespace() {
    if (created) {
      ROOT.run(List.of("ip", "netns", "del", NS), T);
    }
  }

  /**
   * The shipped command timeout is 5 s ({@link VipConfig}); the agent passes {@code ConnectTimeout}
   * {@link SshOptions#connectTimeoutSeconds half of it} = 2 s when the operator's ssh_config sets
   * none. Design bound 2 s; allowance 2.5 s for starting ssh on a loaded 2-core machine, so under
   * the 5 s at which the command would be killed. Before: killed at the command timeout ("did not
   * finish within PT5S").
   */
  @Test
  void aDeadHostFailsWithinTheDerivedConnectTimeoutInSshsOwnWords() throws IOException {
    VipConfig config = vipConfig(sshWithConfig(""), null);
    assertThat(config.commandTimeout())
        .as("the shipped command timeout")
        .isEqualTo(Duration.ofSeconds(5));
    int connectTimeout = SshOptions.connectTimeoutSeconds(config.commandTimeout());
    assertThat(connectTimeout).isEqualTo(2);
    LinuxVipMover mover = new LinuxVipMover(config);

    long start = System.nanoTime();
    assertThatThrownBy(() -> mover.reach(DEAD_HOST))
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("Connection timed out")
        .hasMessageNotContaining("did not finish");
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(took)
        .as("ssh waited its ConnectTimeout, not less")
        .isGreaterThanOrEqualTo(Duration.ofMillis(connectTimeout * 1000L - 100))
        .as("design %d s + allowance 2.5 s", connectTimeout)
        .isLessThan(Duration.ofMillis(connectTimeout * 1000L + 2500));
  }

  /**
   * An operator's own {@code ConnectTimeout} for the host wins: ssh uses the first value it obtains
   * and a command-line {@code -o} comes first ({@code ssh_config(5)}), so the agent passes none
   * then. Checked with ssh itself: {@code -G} prints what it would use with the agent's options.
   */
  @Test
  void theOperatorsConnectTimeoutWinsOverTheDerivedOne() throws IOException {
    SshOptions theirs = SshOptions.plain().withSsh(sshWithConfig("  ConnectTimeout 4\n"));
    SshOptions none = SshOptions.plain().withSsh(sshWithConfig(""));

    assertThat(theirs.operatorSetsConnectTimeout(DEAD_HOST, T)).contains(true);
    assertThat(none.operatorSetsConnectTimeout(DEAD_HOST, T)).contains(false);
    assertThat(effectiveConnectTimeout(theirs, true)).isEqualTo("4");
    assertThat(effectiveConnectTimeout(none, false)).isEqualTo("2");
    assertThat(theirs.prefix(DEAD_HOST, T, true)).noneMatch(o -> o.startsWith("ConnectTimeout"));
    // had the agent passed its own anyway, the operator's value would be lost
    assertThat(effectiveConnectTimeout(theirs, false)).isEqualTo("2");
  }

  /** With the operator's value, a dead host fails within it (4 s + 2.5 s allowance < 10 s). */
  @Test
  void aDeadHostFailsWithinTheOperatorsConnectTimeout() throws IOException {
    LinuxVipMover mover = // ours would be 10 s
        new LinuxVipMover(vipConfig(sshWithConfig("  ConnectTimeout 4\n"), Duration.ofSeconds(20)));
    long start = System.nanoTime();
    assertThatThrownBy(() -> mover.reach(DEAD_HOST))
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("Connection timed out");
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(3900))
        .isLessThan(Duration.ofMillis(4000 + 2500));
  }

  @Test
  void theDerivedConnectTimeoutIsHalfTheCommandTimeoutInWholeSecondsAtLeastOne() {
    assertThat(SshOptions.connectTimeoutSeconds(Duration.ofSeconds(5))).isEqualTo(2);
    assertThat(SshOptions.connectTimeoutSeconds(Duration.ofSeconds(30))).isEqualTo(15);
    assertThat(SshOptions.connectTimeoutSeconds(Duration.ofMillis(2500))).isEqualTo(1);
    assertThat(SshOptions.connectTimeoutSeconds(Duration.ofMillis(800))).isEqualTo(1);
  }

  /**
   * {@code connecttimeout} as ssh would use it with the agent's options for a 5 s command, the
   * agent having found {@code operatorConnectTimeout}.
   */
  private static String effectiveConnectTimeout(
      SshOptions options, boolean operatorConnectTimeout) {
    List<String> argv = new ArrayList<>(options.prefix(DEAD_HOST, T, operatorConnectTimeout));
    argv.remove(argv.size() - 1); // "--"
    argv.add(argv.size() - 1, "-G");
    CommandResult r = ROOT.run(argv, T);
    assertThat(r.exitCode()).as("%s: %s", argv, r.stderr()).isZero();
    return r.stdout()
        .lines()
        .filter(l -> l.startsWith("connecttimeout "))
        .findFirst()
        .orElseThrow()
        .substring("connecttimeout ".length());
  }

  /**
   * The agent's VIP: this host, and the dead host over shared ssh (as ProviderAdapters builds it);
   * {@code commandTimeout} null: the shipped one.
   */
  private VipConfig vipConfig(List<String> ssh, Duration commandTimeout) {
    SshOptions options = SshOptions.shared(dir.resolve("ssh")).withSsh(ssh);
    VipConfig.Builder b =
        VipConfig.builder()
            .address("192.0.2.50")
            .prefixLength(24)
            .host(LocalHostCommand.local("this-host"), "lo")
            .host(options.command(DEAD_HOST), "lo")
            .stateFile(dir.resolve("vip.state"));
    if (commandTimeout != null) {
      b.commandTimeout(commandTimeout);
    }
    return b.build();
  }

  /** ssh inside the namespace, reading {@code ssh_config} with {@code extra} for the host. */
  private List<String> sshWithConfig(String extra) throws IOException {
    Path config = Files.createTempFile(dir, "ssh_config", "");
    Files.writeString(
        config, "Host " + DEAD_HOST + "\n  User tandem\n  UserKnownHostsFile /dev/null\n" + extra);
    return List.of("ip", "netns", "exec", NS, "ssh", "-F", config.toString());
  }

  private static void sh(String... argv) {
    CommandResult r = ROOT.run(List.of(argv), T);
    assertThat(r.exitCode()).as("%s: %s", String.join(" ", argv), r.stderr()).isZero();
  }
}
