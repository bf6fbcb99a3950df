package io.tandem.onprem.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.config.SyncJobConfig;
import io.tandem.core.config.SyncKind;
import io.tandem.core.config.SyncSource;
import io.tandem.core.config.SyncTransport;
import io.tandem.core.sync.SyncFailedException;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncRefusedException;
import io.tandem.core.sync.SyncRunner;
import io.tandem.testkit.Sshd;
import io.tandem.testkit.SshdPeer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rsync transport: Debian's rsync over a real OpenSSH server on 127.0.0.1. */
@Sshd
class RsyncRunnerTest {

  @TempDir Path tmp;

  SyncSource.Files source(SshdPeer ssh, long bandwidth) {
    SyncJobConfig.Builder b =
        SyncJobConfig.builder()
            .name("sounds")
            .kind(SyncKind.FILES)
            .transport(SyncTransport.RSYNC)
            .path("/var/lib/asterisk/sounds/custom")
            .sitePaths("alpha", List.of(tmp.resolve("a/sounds").toString()))
            .sitePaths("beta", List.of(tmp.resolve("b/sounds").toString()))
            .exclude("*.tmp")
            .rsync(
                new SyncSource.Rsync(
                    ssh.user(), ssh.port(), java.util.Optional.of(ssh.identityFile().toString())));
    if (bandwidth > 0) {
      b.bandwidthLimit(bandwidth);
    }
    return b.build().files();
  }

  SyncRunner runner(SshdPeer ssh, SyncSource.Files f) {
    return new RsyncRunner(
        "sounds",
        f,
        "alpha",
        site -> ssh.host(),
        Duration.ofSeconds(60),
        "rsync",
        ssh.sshCommand());
  }

  @Test
  void rsyncCopiesTheTreeOverSshAndKeepsReplacedVersions(SshdPeer ssh) throws Exception {
    Files.createDirectories(tmp.resolve("a/sounds/ivr"));
    Files.createDirectories(tmp.resolve("b/sounds"));
    Files.writeString(tmp.resolve("a/sounds/ivr/welcome.wav"), "RIFF welcome");
    Files.writeString(tmp.resolve("a/sounds/scratch.tmp"), "never sent");
    SyncRunner r = runner(ssh, source(ssh, 0));
    SyncRunner.Result first = r.push("sounds", "beta", 1, () -> true);
    assertThat(first.files()).isEqualTo(1);
    assertThat(Files.readString(tmp.resolve("b/sounds/ivr/welcome.wav"))).isEqualTo("RIFF welcome");
    assertThat(tmp.resolve("b/sounds/scratch.tmp")).doesNotExist();

    Files.writeString(tmp.resolve("a/sounds/ivr/welcome.wav"), "RIFF welcome v2");
    assertThat(r.push("sounds", "beta", 1, () -> true).files()).isEqualTo(1);
    assertThat(Files.readString(tmp.resolve("b/sounds/ivr/welcome.wav")))
        .isEqualTo("RIFF welcome v2");
    try (var prev = Files.walk(tmp.resolve("b/.tandem-sync"))) {
      assertThat(prev.filter(p -> p.getFileName().toString().equals("welcome.wav")).toList())
          .isNotEmpty();
    }
    assertThat(r.push("sounds", "beta", 1, () -> true).upToDate()).isTrue();
  }

  @Test
  void anEmptySenderIsRefusedBeforeRsyncStarts(SshdPeer ssh) throws Exception {
    Files.createDirectories(tmp.resolve("a/sounds"));
    Files.createDirectories(tmp.resolve("b/sounds"));
    Files.writeString(tmp.resolve("b/sounds/keep.wav"), "keep");
    assertThatThrownBy(() -> runner(ssh, source(ssh, 0)).push("sounds", "beta", 1, () -> true))
        .isInstanceOf(SyncRefusedException.class)
        .hasMessageContaining("has no files here");
    assertThat(tmp.resolve("b/sounds/keep.wav")).exists();
  }

  @Test
  void aRunStoppedByTheGateLeavesTheReceiversFilesAsTheyWere(SshdPeer ssh) throws Exception {
    Files.createDirectories(tmp.resolve("a/sounds"));
    Files.createDirectories(tmp.resolve("b/sounds"));
    Files.writeString(tmp.resolve("a/sounds/menu.wav"), "old menu");
    SyncRunner r = runner(ssh, source(ssh, 256 * 1024));
    r.push("sounds", "beta", 1, () -> true);
    byte[] big = new byte[4 << 20];
    new Random(3).nextBytes(big);
    Files.write(tmp.resolve("a/sounds/long.wav"), big); // 4 MiB at 256 KiB/s: ~16 s
    Files.writeString(tmp.resolve("a/sounds/menu.wav"), "new menu");
    long started = System.nanoTime();
    assertThatThrownBy(
            () -> r.push("sounds", "beta", 1, () -> System.nanoTime() - started < 2_000_000_000L))
        .isInstanceOfSatisfying(
            SyncFailedException.class,
            e -> assertThat(e.reason()).isEqualTo(SyncReason.TICKET_LOST));
    // the receiving rsync (started by sshd) stops once its session closes
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                ProcessHandle.allProcesses()
                    .noneMatch(
                        h ->
                            h.info()
                                .commandLine()
                                .map(c -> c.contains("--server") && c.contains(tmp.toString()))
                                .orElse(false)));
    // --delay-updates: nothing was put in place (rsync's partial directory aside)
    assertThat(Files.readString(tmp.resolve("b/sounds/menu.wav"))).isEqualTo("old menu");
    assertThat(tmp.resolve("b/sounds/long.wav")).doesNotExist();
  }
}
