package io.tandem.sim.peer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.sim.peer.PeerNotInstalledException;
import io.tandem.sim.peer.PeerStartException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerBinariesTest {

  private static Path executable(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  @Test
  void findsASystemBinaryInTheFirstDirectoryThatHasIt(@TempDir Path tmp) throws IOException {
    Path first = tmp.resolve("a");
    Path second = tmp.resolve("b");
    Files.createDirectories(first);
    Path named = executable(second.resolve("named"));

    PeerBinaries binaries = new PeerBinaries(List.of(first, second), Optional.empty());

    assertThat(binaries.system("named", "bind9")).isEqualTo(named);
  }

  @Test
  void aNonExecutableFileDoesNotCount(@TempDir Path tmp) throws IOException {
    Files.writeString(tmp.resolve("etcd"), "not executable");
    PeerBinaries binaries = new PeerBinaries(List.of(tmp), Optional.empty());

    assertThatThrownBy(() -> binaries.system("etcd", "etcd-server etcd-client"))
        .isInstanceOf(PeerNotInstalledException.class)
        .hasMessageContaining("apt-get install -y --no-install-recommends etcd-server etcd-client");
  }

  @Test
  void findsAProjectLocalPeerUnderThePeersDirectory(@TempDir Path peers) throws IOException {
    Path moto = executable(peers.resolve("venv/bin/moto_server"));
    PeerBinaries binaries = new PeerBinaries(List.of(), Optional.of(peers));

    assertThat(binaries.projectLocal("venv/bin/moto_server", "pip install x")).isEqualTo(moto);
  }

  @Test
  void withoutAPeersDirectoryTheMessageSaysWhereItLooked() {
    PeerBinaries binaries = new PeerBinaries(List.of(), Optional.empty());

    assertThatThrownBy(() -> binaries.projectLocal("node/node_modules/.bin/azurite-blob", "npm i"))
        .isInstanceOf(PeerNotInstalledException.class)
        .hasMessageContaining("tandem.projectRoot")
        .hasMessageContaining("TANDEM_PEERS_DIR")
        .hasMessageContaining("./scripts/install-peers");
  }

  @Test
  void aStartWhoseProcessExitedIsRetriedOnNewPorts() {
    AtomicInteger attempts = new AtomicInteger();

    String started =
        HostPeerLauncher.startWithRetry(
            () -> {
              if (attempts.incrementAndGet() < 3) {
                throw new PeerStartException(
                    "lost the port race",
                    new PeerProcess.ProcessExitedException("Address already in use"));
              }
              return "ready";
            });

    assertThat(started).isEqualTo("ready");
    assertThat(attempts).hasValue(3);
  }

  @Test
  void aStartThatTimedOutIsNotRetried() {
    AtomicInteger attempts = new AtomicInteger();

    assertThatThrownBy(
            () ->
                HostPeerLauncher.startWithRetry(
                    () -> {
                      attempts.incrementAndGet();
                      throw new PeerStartException("not ready in time", null);
                    }))
        .isInstanceOf(PeerStartException.class);
    assertThat(attempts).hasValue(1);
  }

  @Test
  void retriesAreBounded() {
    AtomicInteger attempts = new AtomicInteger();

    assertThatThrownBy(
            () ->
                HostPeerLauncher.startWithRetry(
                    () -> {
                      attempts.incrementAndGet();
                      throw new PeerStartException(
                          "exited", new PeerProcess.ProcessExitedException("bind failed"));
                    }))
        .isInstanceOf(PeerStartException.class);
    assertThat(attempts).hasValue(3);
  }
}
