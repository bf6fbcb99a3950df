package io.tandem.testkit.internal;

import io.tandem.sim.peer.internal.LoopbackPorts;
import io.tandem.sim.peer.internal.PeerProcess;
import io.tandem.sim.peer.internal.TempDirs;
import io.tandem.testkit.SshdPeer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A running OpenSSH server: host and client keys made by {@code ssh-keygen} in the temporary
 * directory, {@code sshd -D -e -f <config>} on 127.0.0.1 with an ephemeral port, public-key
 * authentication only, the client key authorised for the current user.
 */
final class RunningSshd implements SshdPeer, PeerHandle<SshdPeer> {

  private final Path dir;
  private final int port;
  private PeerProcess process;

  private RunningSshd(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  static RunningSshd start(Path sshd, Path keygen) {
    RunningSshd s = new RunningSshd(TempDirs.create("sshd"), LoopbackPorts.tcp());
    try {
      for (String key : List.of("host_key", "client_key")) {
        Commands.run(
            "ssh-keygen",
            List.of(
                keygen.toString(),
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-f",
                s.dir.resolve(key).toString()),
            s.dir,
            s.dir.resolve("install.log"),
            Duration.ofSeconds(30));
      }
      Files.copy(s.dir.resolve("client_key.pub"), s.dir.resolve("authorized_keys"));
      String hostKey =
          Files.readString(s.dir.resolve("host_key.pub"), StandardCharsets.UTF_8).strip();
      Files.writeString(
          s.dir.resolve("known_hosts"), "[127.0.0.1]:" + s.port + " " + hostKey + "\n");
      Files.writeString(
          s.dir.resolve("sshd_config"),
          String.join(
              "\n",
              "Port " + s.port,
              "ListenAddress 127.0.0.1",
              "HostKey " + s.dir.resolve("host_key"),
              "PidFile " + s.dir.resolve("sshd.pid"),
              "AuthorizedKeysFile " + s.dir.resolve("authorized_keys"),
              "PubkeyAuthentication yes",
              "PasswordAuthentication no",
              "KbdInteractiveAuthentication no",
              "UsePAM no",
              "StrictModes no",
              "PermitRootLogin prohibit-password",
              // INFO: one "Accepted publickey" line per authentication (connection counts)
              "LogLevel INFO",
              ""));
      // sshd checks for its privilege separation directory before it listens
      Files.createDirectories(Path.of("/run/sshd"));
      PeerProcess p =
          new PeerProcess(
              "sshd",
              List.of(sshd.toString(), "-D", "-e", "-f", s.dir.resolve("sshd_config").toString()),
              s.dir,
              s.dir.resolve("sshd.log"),
              Map.of());
      p.startAndAwait(Duration.ofSeconds(30), () -> LoopbackPorts.acceptsTcp(s.port));
      s.process = p;
    } catch (IOException e) {
      s.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  @Override
  public String host() {
    return LoopbackPorts.HOST;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public String user() {
    return System.getProperty("user.name");
  }

  @Override
  public Path identityFile() {
    return dir.resolve("client_key");
  }

  @Override
  public Path knownHostsFile() {
    return dir.resolve("known_hosts");
  }

  @Override
  public Path logFile() {
    return dir.resolve("sshd.log");
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public SshdPeer peer() {
    return this;
  }

  @Override
  public String logTail() {
    return PeerProcess.logTail(dir.resolve("sshd.log"), "sshd", 200);
  }

  @Override
  public void close() {
    if (process != null) {
      process.stop();
    }
    TempDirs.delete(dir);
  }
}
