package io.tandem.testkit.internal;

import io.tandem.sim.peer.PeerNotInstalledException;
import io.tandem.sim.peer.internal.LoopbackPorts;
import io.tandem.sim.peer.internal.PeerBinaries;
import io.tandem.sim.peer.internal.PeerProcess;
import io.tandem.sim.peer.internal.StartupTimes;
import io.tandem.sim.peer.internal.TempDirs;
import io.tandem.testkit.PostgreSqlPeer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A running PostgreSQL 15 server from {@code /usr/lib/postgresql/15/bin}: {@code initdb} (SCRAM
 * passwords over TCP, trust on the socket only), then {@code postgres} on 127.0.0.1 with an
 * ephemeral port and its socket in the temporary directory; a role and database {@code tandem} are
 * created over the socket. PostgreSQL refuses to start as root, so as root every command runs
 * through {@code runuser} as {@value #OS_USER}, a system user created here when missing (as {@code
 * scripts/install-peers} does), and the directory is given to it. Thread-safe.
 */
public final class RunningPostgreSql implements PostgreSqlPeer, PeerHandle<PostgreSqlPeer> {

  /** The unprivileged system user the server runs as when the tests run as root. */
  public static final String OS_USER = "tandem-pg";

  static final String BIN = "/usr/lib/postgresql/15/bin";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Path bin;
  private final Path dir;
  private final int port;
  private final boolean root;
  private PeerProcess process;

  private RunningPostgreSql(Path bin, Path dir, int port) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.root = "root".equals(System.getProperty("user.name"));
  }

  /** The server binaries' directory. */
  static Path binDir(PeerBinaries binaries) {
    Path bin = Path.of(BIN);
    if (!Files.isExecutable(bin.resolve("postgres"))) {
      throw new PeerNotInstalledException(
          "Peer binary 'postgres' is not installed ("
              + bin
              + "). Install the test peers with: "
              + PeerBinaries.INSTALL_ALL
              + "   (or by hand: apt-get install -y --no-install-recommends postgresql)",
          PeerBinaries.INSTALL_ALL);
    }
    return bin;
  }

  static RunningPostgreSql start(Path bin) {
    RunningPostgreSql db =
        new RunningPostgreSql(bin, TempDirs.create("postgresql"), LoopbackPorts.tcp());
    try {
      if (db.root) {
        ensureOsUser(db.dir);
        chown(db.dir);
      }
      Path pw = db.dir.resolve("pwfile");
      Files.writeString(pw, "postgres-pw\n");
      if (db.root) {
        chown(pw);
      }
      Commands.run(
          "initdb",
          db.as(
              bin.resolve("initdb").toString(),
              "-D",
              db.dir.resolve("data").toString(),
              "-U",
              "postgres",
              "--pwfile=" + pw,
              "--auth-local=trust",
              "--auth-host=scram-sha-256",
              "--encoding=UTF8",
              "--locale=C",
              "--no-sync"),
          db.dir,
          db.dir.resolve("install.log"),
          Duration.ofSeconds(120));
      db.start();
      Commands.run(
          "psql (create the test role and database)",
          db.as(
              bin.resolve("psql").toString(),
              "-X",
              "-v",
              "ON_ERROR_STOP=1",
              "-h",
              db.dir.toString(),
              "-p",
              Integer.toString(db.port),
              "-U",
              "postgres",
              "-d",
              "postgres",
              "-c",
              "CREATE ROLE tandem LOGIN PASSWORD 'tandem-pw'",
              "-c",
              "CREATE DATABASE tandem OWNER tandem",
              "-c",
              "CREATE DATABASE tandem_b OWNER tandem",
              "-c",
              "GRANT pg_signal_backend TO tandem"),
          db.dir,
          db.dir.resolve("install.log"),
          Duration.ofSeconds(30));
    } catch (IOException e) {
      db.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    return db;
  }

  private List<String> as(String... command) {
    List<String> out = new ArrayList<>();
    if (root) {
      out.addAll(List.of("runuser", "-u", OS_USER, "--"));
    }
    out.addAll(List.of(command));
    return out;
  }

  private static void ensureOsUser(Path dir) {
    if (Commands.succeeds(List.of("id", "-u", OS_USER), dir, Duration.ofSeconds(10))) {
      return;
    }
    Commands.run(
        "useradd " + OS_USER,
        List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OS_USER),
        dir,
        dir.resolve("install.log"),
        Duration.ofSeconds(30));
  }

  /** Gives {@code p} (and what is under it) to the server's user. */
  private static void chown(Path p) throws IOException {
    var lookup = p.getFileSystem().getUserPrincipalLookupService();
    var user = lookup.lookupPrincipalByName(OS_USER);
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.toList()) {
        Files.setOwner(q, user);
      }
    }
    // the temporary directory's parent (/tmp) is world-searchable; the directory itself is ours
    Files.getFileAttributeView(
            p, java.nio.file.attribute.PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .setPermissions(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
  }

  @Override
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    PeerProcess next =
        new PeerProcess(
            "postgresql",
            as(
                bin.resolve("postgres").toString(),
                "-D",
                dir.resolve("data").toString(),
                "-k",
                dir.toString(),
                "-p",
                Integer.toString(port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "shared_buffers=16MB",
                "-c",
                "max_connections=30"),
            dir,
            dir.resolve("postgresql.log"),
            Map.of());
    long t0 = System.nanoTime();
    next.startAndAwait(
        READY_TIMEOUT,
        () ->
            Commands.succeeds(
                List.of(
                    bin.resolve("pg_isready").toString(),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    Integer.toString(port)),
                dir,
                Duration.ofSeconds(5)));
    process = next;
    StartupTimes.record(
        "postgresql", Duration.ofNanos(System.nanoTime() - t0), "127.0.0.1:" + port);
  }

  @Override
  public synchronized void stop() {
    if (process != null) {
      process.stop();
    }
  }

  @Override
  public String engine() {
    return "postgresql";
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
  public String database() {
    return "tandem";
  }

  @Override
  public String user() {
    return "tandem";
  }

  @Override
  public String password() {
    return "tandem-pw";
  }

  @Override
  public PostgreSqlPeer peer() {
    return this;
  }

  @Override
  public synchronized String logTail() {
    return PeerProcess.logTail(dir.resolve("postgresql.log"), "postgresql", 200);
  }

  @Override
  public synchronized void close() {
    stop();
    TempDirs.delete(dir);
  }

  @Override
  public String toString() {
    return "PostgreSql[127.0.0.1:" + port + "]";
  }
}
