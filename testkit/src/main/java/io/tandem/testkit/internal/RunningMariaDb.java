package io.tandem.testkit.internal;

import io.tandem.sim.peer.internal.LoopbackPorts;
import io.tandem.sim.peer.internal.PeerProcess;
import io.tandem.sim.peer.internal.StartupTimes;
import io.tandem.sim.peer.internal.TempDirs;
import io.tandem.testkit.MariaDbPeer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A running MariaDB server: a data directory made by {@code mariadb-install-db}, then {@code
 * mariadbd --no-defaults} on 127.0.0.1 with an ephemeral port and a socket in the temporary
 * directory; a database {@code tandem} and a user {@code tandem} (password auth, any host) are
 * created over the socket as root. {@link #stop()} and {@link #start()} keep port and data.
 * Thread-safe: stop and start are serialised.
 */
final class RunningMariaDb implements MariaDbPeer, PeerHandle<MariaDbPeer> {

  static final String PACKAGE = "mariadb-server";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Path installDb;
  private final Path server;
  private final Path client;
  private final Path dir;
  private final int port;
  private PeerProcess process;

  private RunningMariaDb(Path installDb, Path server, Path client, Path dir, int port) {
    this.installDb = installDb;
    this.server = server;
    this.client = client;
    this.dir = dir;
    this.port = port;
  }

  static RunningMariaDb start(Path installDb, Path server, Path client) {
    RunningMariaDb db =
        new RunningMariaDb(
            installDb, server, client, TempDirs.create("mariadb"), LoopbackPorts.tcp());
    try {
      Commands.run(
          "mariadb-install-db",
          List.of(
              installDb.toString(),
              "--no-defaults",
              "--datadir=" + db.dir.resolve("data"),
              "--auth-root-authentication-method=socket",
              "--skip-test-db",
              "--user=" + System.getProperty("user.name")),
          db.dir,
          db.dir.resolve("install.log"),
          Duration.ofSeconds(120));
      db.start();
      Commands.run(
          "mariadb (create the test database and user)",
          List.of(
              client.toString(),
              "--no-defaults",
              "--socket=" + db.dir.resolve("mysqld.sock"),
              "-uroot",
              "-e",
              "CREATE DATABASE tandem; CREATE DATABASE tandem_b;"
                  + " CREATE USER 'tandem'@'%' IDENTIFIED BY 'tandem-pw';"
                  + " GRANT ALL ON tandem.* TO 'tandem'@'%'; GRANT ALL ON tandem_b.* TO 'tandem'@'%';"
                  + " GRANT PROCESS, CONNECTION ADMIN ON *.* TO 'tandem'@'%';"),
          db.dir,
          db.dir.resolve("install.log"),
          Duration.ofSeconds(30));
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    return db;
  }

  @Override
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    PeerProcess next =
        new PeerProcess(
            "mariadb",
            List.of(
                server.toString(),
                "--no-defaults",
                "--datadir=" + dir.resolve("data"),
                "--socket=" + dir.resolve("mysqld.sock"),
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--pid-file=" + dir.resolve("mysqld.pid"),
                "--user=" + System.getProperty("user.name"),
                "--skip-name-resolve",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=16M",
                "--innodb-log-file-size=8M",
                "--log-error=" + dir.resolve("error.log")),
            dir,
            dir.resolve("mariadb.log"),
            Map.of());
    long t0 = System.nanoTime();
    next.startAndAwait(READY_TIMEOUT, () -> LoopbackPorts.acceptsTcp(port));
    process = next;
    StartupTimes.record("mariadb", Duration.ofNanos(System.nanoTime() - t0), "127.0.0.1:" + port);
  }

  @Override
  public synchronized void stop() {
    if (process != null) {
      process.stop();
    }
  }

  @Override
  public String engine() {
    return "mariadb";
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
  public MariaDbPeer peer() {
    return this;
  }

  @Override
  public synchronized String logTail() {
    return PeerProcess.logTail(dir.resolve("error.log"), "mariadb", 200);
  }

  @Override
  public synchronized void close() {
    stop();
    TempDirs.delete(dir);
  }

  @Override
  public String toString() {
    return "MariaDb[127.0.0.1:" + port + "]";
  }
}
