package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ClusterConfigLoader;
import io.tandem.onprem.vip.LinuxVipMover;
import io.tandem.testkit.Sshd;
import io.tandem.testkit.SshdPeer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17.2, "every provider client built, authenticated and warmed at start-up": the documented
 * side-by-side cluster (docs/examples/side-by-side.yaml) with the other site's VIP host on a real
 * OpenSSH server on 127.0.0.1, through the production {@link ProviderAdapters} and {@link
 * ProviderWarmUp} the agent assembles. ssh reads that server's port, user and keys from a config
 * file, as it reads the agent user's {@code ~/.ssh/config}.
 */
@Sshd
class VipSshWarmUpTest {

  @TempDir Path dir;

  @Test
  void theWarmUpOpensTheOtherSitesHostsSharedConnectionBeforeAnyFault(SshdPeer sshd)
      throws IOException {
    ClusterConfig config = sideBySide("host: 127.0.0.1");
    try (ProviderAdapters providers = providers(config, sshd);
        ProviderWarmUp warmUp = warmUp(config, providers)) {
      long before = authentications(sshd);
      warmUp.start();

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> warmUp.outcomes().stream().anyMatch(ProviderWarmUp.Outcome::ok));
      assertThat(warmUp.outcomes())
          .extracting(ProviderWarmUp.Outcome::what)
          .containsExactly("ssh 127.0.0.1 for vip voip (linux-vip)");
      assertThat(sockets(dir.resolve("data/ssh"))).as("the master's socket").hasSize(1);
      assertThat(authentications(sshd) - before).isEqualTo(1);

      // the mover's commands after a fault ride the warmed connection: no new authentication
      LinuxVipMover mover = SideBySideProviders.vipMover(config, providers);
      mover.reach("127.0.0.1");
      mover.reach("127.0.0.1");
      assertThat(authentications(sshd) - before).isEqualTo(1);
    }
    // closing the agent's adapters stops the master and removes its socket
    assertThat(sockets(dir.resolve("data/ssh"))).isEmpty();
  }

  @Test
  void aHostThatIsDownAtStartIsReportedNotFatal(SshdPeer sshd) throws IOException {
    // 127.0.0.2 has no sshd: the connection is refused at once
    ClusterConfig config = sideBySide("host: 127.0.0.2");
    try (ProviderAdapters providers = providers(config, sshd);
        ProviderWarmUp warmUp = warmUp(config, providers)) {
      warmUp.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> !warmUp.outcomes().isEmpty());
      assertThat(warmUp.outcomes()).singleElement().matches(o -> !o.ok(), "failed");
      assertThat(warmUp.outcomes().get(0).detail()).contains("127.0.0.2");
    }
  }

  @Test
  void sshConnectionSharingFalseLeavesTheOperatorsSshAlone(SshdPeer sshd) throws IOException {
    ClusterConfig config = sideBySide("host: 127.0.0.1\n        sshConnectionSharing: false");
    try (ProviderAdapters providers = providers(config, sshd)) {
      long before = authentications(sshd);
      LinuxVipMover mover = SideBySideProviders.vipMover(config, providers);
      mover.reach("127.0.0.1");
      mover.reach("127.0.0.1");
      assertThat(authentications(sshd) - before).isEqualTo(2);
      assertThat(dir.resolve("data/ssh")).doesNotExist();
    }
  }

  /**
   * The documented example, agent of pbx-a; pbx-b's VIP host replaced by {@code hostLine}, its
   * interface by {@code lo} (the survey's command runs there).
   */
  private ClusterConfig sideBySide(String hostLine) throws IOException {
    String yaml =
        Files.readString(Path.of("../docs/examples/side-by-side.yaml"))
            .replace(
                "interface: eth1\n        host: 10.0.0.12", "interface: lo\n        " + hostLine);
    assertThat(yaml).as("the example's pbx-b VIP entry").contains(hostLine);
    Path file = dir.resolve("cluster.yaml");
    Files.writeString(file, yaml);
    return new ClusterConfigLoader().load(file);
  }

  private ProviderAdapters providers(ClusterConfig config, SshdPeer sshd) throws IOException {
    Path sshConfig = dir.resolve("ssh_config");
    Files.writeString(sshConfig, sshd.clientConfig("127.0.0.1 127.0.0.2", "ConnectTimeout 2"));
    Files.createDirectories(dir.resolve("data"));
    return new ProviderAdapters(
        SideBySideProviders.pbxA(config, dir.resolve("data")),
        List.of("ssh", "-F", sshConfig.toString()));
  }

  /** The agent's warm-up of pbx-a (as AgentAssembly builds it), keeping warm every 20 s. */
  private static ProviderWarmUp warmUp(ClusterConfig config, ProviderAdapters providers) {
    return new ProviderWarmUp(
        "pbx-a",
        ProviderWarmUp.targets(config, providers),
        ProviderWarmUp.KEEP_WARM,
        Clock.systemUTC(),
        System::nanoTime);
  }

  private static long authentications(SshdPeer sshd) throws IOException {
    try (Stream<String> lines = Files.lines(sshd.logFile())) {
      return lines.filter(l -> l.contains("Accepted publickey")).count();
    }
  }

  private static List<Path> sockets(Path control) throws IOException {
    try (Stream<Path> s = Files.list(control)) {
      return s.toList();
    }
  }
}
