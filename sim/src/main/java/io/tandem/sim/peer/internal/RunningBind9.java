package io.tandem.sim.peer.internal;

import io.tandem.sim.peer.Bind9Peer;
import io.tandem.sim.peer.RealPeers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A running BIND 9 ({@code named -g}) serving {@value #ZONE} from a temporary directory, updatable
 * with RFC 2136 messages signed by a per-run TSIG key. Immutable view; thread-safe.
 */
public final class RunningBind9 implements Bind9Peer, RealPeers.RunningBind9 {

  static final String ZONE = "tandem.test.";
  static final String KEY_NAME = "tandem-key.";
  static final String ALGORITHM = "hmac-sha256";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final PeerProcess process;
  private final int port;
  private final String secret;

  private RunningBind9(Path dir, PeerProcess process, int port, String secret) {
    this.dir = dir;
    this.process = process;
    this.port = port;
    this.secret = secret;
  }

  public static RunningBind9 start(Path named) {
    Path dir = TempDirs.create("bind9");
    int port = LoopbackPorts.tcpAndUdp();
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    String secret = Base64.getEncoder().encodeToString(key);
    String zoneFile = dir.resolve("tandem.test.zone").toString();
    String conf =
        """
        options {
          directory "%1$s";
          pid-file "%1$s/named.pid";
          session-keyfile "%1$s/session.key";
          managed-keys-directory "%1$s";
          listen-on port %2$d { 127.0.0.1; };
          listen-on-v6 { none; };
          recursion no;
          dnssec-validation no;
          notify no;
          allow-query { 127.0.0.0/8; };
          allow-transfer { 127.0.0.0/8; };
        };
        controls { };
        logging {
          channel stderr_channel { stderr; severity info; print-time yes; };
          category default { stderr_channel; };
          category update { stderr_channel; };
          category update-security { stderr_channel; };
        };
        key "%3$s" {
          algorithm %4$s;
          secret "%5$s";
        };
        zone "%6$s" {
          type primary;
          file "%7$s";
          allow-update { key "%3$s"; };
        };
        """
            .formatted(
                dir,
                port,
                KEY_NAME.substring(0, KEY_NAME.length() - 1),
                ALGORITHM,
                secret,
                ZONE,
                zoneFile);
    String zone =
        """
        $TTL 60
        @    IN SOA ns.tandem.test. hostmaster.tandem.test. ( 1 3600 600 86400 60 )
        @    IN NS  ns.tandem.test.
        ns   IN A   127.0.0.1
        sip  IN A   192.0.2.10
        """;
    try {
      Files.writeString(dir.resolve("named.conf"), conf);
      Files.writeString(Path.of(zoneFile), zone);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path log = dir.resolve("named.log");
    PeerProcess process =
        new PeerProcess(
            "named",
            List.of(
                named.toString(),
                "-g",
                "-c",
                dir.resolve("named.conf").toString(),
                "-p",
                Integer.toString(port),
                "-n",
                "1",
                "-4"),
            dir,
            log,
            Map.of());
    RunningBind9 bind = new RunningBind9(dir, process, port, secret);
    long t0 = System.nanoTime();
    try {
      process.startAndAwait(
          READY_TIMEOUT, () -> loggedRunning(log) && LoopbackPorts.acceptsTcp(port));
    } catch (RuntimeException e) {
      bind.close();
      throw e;
    }
    StartupTimes.record(
        "bind9", Duration.ofNanos(System.nanoTime() - t0), LoopbackPorts.HOST + ":" + port);
    return bind;
  }

  /** named -g prints "running" once every zone is loaded and it answers queries. */
  private static boolean loggedRunning(Path log) throws IOException {
    return Files.readString(log).lines().anyMatch(l -> l.endsWith(" running"));
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
  public String zone() {
    return ZONE;
  }

  @Override
  public String tsigKeyName() {
    return KEY_NAME;
  }

  @Override
  public String tsigAlgorithm() {
    return ALGORITHM;
  }

  @Override
  public String tsigSecret() {
    return secret;
  }

  @Override
  public String logTail() {
    return process.logTail();
  }

  @Override
  public void close() {
    process.stop();
    TempDirs.delete(dir);
  }

  /** Never shows the TSIG secret. */
  @Override
  public String toString() {
    return "Bind9[" + LoopbackPorts.HOST + ":" + port + ", zone=" + ZONE + "]";
  }
}
