package io.tandem.testkit.internal;

import io.tandem.sim.peer.PeerStartException;
import io.tandem.sim.peer.internal.HttpProbe;
import io.tandem.sim.peer.internal.LoopbackPorts;
import io.tandem.sim.peer.internal.PeerProcess;
import io.tandem.sim.peer.internal.StartupTimes;
import io.tandem.sim.peer.internal.TempDirs;
import io.tandem.testkit.EtcdPeer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A running single-node etcd. {@link #stop()} and {@link #start()} keep the ports and the data
 * directory, so a restarted member serves the same keys (leases keep counting down while it is
 * down). A secure one serves TLS with client-certificate authentication and has etcd's own
 * authentication on (users and roles made with {@code etcdctl}, as etcd's security guide shows).
 * Thread-safe: stop and start are serialised.
 */
final class RunningEtcd implements EtcdPeer, PeerHandle<EtcdPeer> {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final String ROOT_PASSWORD = "root-pass-for-tests-only";

  private final Path binary;
  private final Path dir;
  private final int clientPort;
  private final int peerPort;
  private final Optional<Path> etcdctl;
  private final Optional<Security> security;
  private boolean authEnabled;
  private PeerProcess process;

  private RunningEtcd(
      Path binary,
      Path dir,
      int clientPort,
      int peerPort,
      Optional<Path> etcdctl,
      Optional<Security> security) {
    this.binary = binary;
    this.dir = dir;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.etcdctl = etcdctl;
    this.security = security;
  }

  static RunningEtcd start(Path binary) {
    int[] ports = LoopbackPorts.distinctTcp(2);
    RunningEtcd etcd =
        new RunningEtcd(
            binary,
            TempDirs.create("etcd"),
            ports[0],
            ports[1],
            Optional.empty(),
            Optional.empty());
    return started(etcd);
  }

  /** TLS with client certificates, and etcd authentication on. */
  static RunningEtcd startSecure(Path binary, Path etcdctl, Path openssl) {
    int[] ports = LoopbackPorts.distinctTcp(2);
    Path dir = TempDirs.create("etcd");
    Security security;
    try {
      security = certificates(openssl, dir);
    } catch (RuntimeException e) {
      TempDirs.delete(dir);
      throw e;
    }
    RunningEtcd etcd =
        new RunningEtcd(
            binary, dir, ports[0], ports[1], Optional.of(etcdctl), Optional.of(security));
    started(etcd);
    try {
      etcd.enableAuthentication();
    } catch (RuntimeException e) {
      etcd.close();
      throw e;
    }
    return etcd;
  }

  private static RunningEtcd started(RunningEtcd etcd) {
    try {
      etcd.start();
    } catch (RuntimeException e) {
      etcd.close();
      throw e;
    }
    return etcd;
  }

  @Override
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    String peerUrl = "http://" + LoopbackPorts.HOST + ":" + peerPort;
    List<String> command =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "--name",
                "tandem",
                "--data-dir",
                dir.resolve("data").toString(),
                "--listen-client-urls",
                endpoint(),
                "--advertise-client-urls",
                endpoint(),
                "--listen-peer-urls",
                peerUrl,
                "--initial-advertise-peer-urls",
                peerUrl,
                "--initial-cluster",
                "tandem=" + peerUrl,
                "--initial-cluster-state",
                "new",
                "--logger",
                "zap",
                "--log-level",
                "warn"));
    security.ifPresent(
        s ->
            command.addAll(
                List.of(
                    "--cert-file",
                    dir.resolve("server.crt").toString(),
                    "--key-file",
                    dir.resolve("server.key").toString(),
                    "--client-cert-auth",
                    "--trusted-ca-file",
                    s.ca().toString())));
    PeerProcess next =
        new PeerProcess(
            "etcd", command, dir, dir.resolve("etcd.log"), Map.of("ETCD_UNSUPPORTED_ARCH", ""));
    long t0 = System.nanoTime();
    next.startAndAwait(
        READY_TIMEOUT,
        security.isEmpty()
            ? () -> HttpProbe.get(endpoint() + "/health").body().contains("\"true\"")
            : () -> etcdctl("endpoint", "health").exit() == 0);
    process = next;
    StartupTimes.record("etcd", Duration.ofNanos(System.nanoTime() - t0), endpoint());
  }

  @Override
  public synchronized void stop() {
    if (process != null) {
      process.stop();
    }
  }

  @Override
  public String endpoint() {
    return (security.isPresent() ? "https://" : "http://") + LoopbackPorts.HOST + ":" + clientPort;
  }

  @Override
  public Optional<Security> security() {
    return security;
  }

  @Override
  public EtcdPeer peer() {
    return this;
  }

  @Override
  public synchronized String logTail() {
    return PeerProcess.logTail(dir.resolve("etcd.log"), "etcd", 200);
  }

  @Override
  public synchronized void close() {
    stop();
    TempDirs.delete(dir);
  }

  @Override
  public String toString() {
    return "Etcd[" + endpoint() + "]";
  }

  /**
   * Users and roles as etcd's authentication guide makes them: root (required before {@code auth
   * enable}), a user with read-write on {@code /tandem/} only, and a reader with no role.
   */
  private void enableAuthentication() {
    Security s = security.orElseThrow();
    must("user", "add", "root:" + ROOT_PASSWORD);
    must("user", "add", s.user() + ":" + s.password());
    must("user", "add", s.reader() + ":" + s.readerPassword());
    must("role", "add", "tandem-witness");
    must("role", "grant-permission", "tandem-witness", "--prefix=true", "readwrite", "/tandem/");
    must("user", "grant-role", s.user(), "tandem-witness");
    must("auth", "enable");
    synchronized (this) {
      authEnabled = true;
    }
  }

  private void must(String... args) {
    Run r = etcdctl(args);
    if (r.exit() != 0) {
      throw new PeerStartException(
          "etcdctl " + String.join(" ", args) + " failed: " + r.output() + "\n" + logTail(), null);
    }
  }

  record Run(int exit, String output) {}

  private Run etcdctl(String... args) {
    Security s = security.orElseThrow();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                etcdctl.orElseThrow().toString(),
                "--endpoints=" + endpoint(),
                "--cacert=" + s.ca(),
                "--cert=" + s.clientCertificate(),
                "--key=" + s.clientKey(),
                "--dial-timeout=2s",
                "--command-timeout=5s"));
    synchronized (this) {
      if (authEnabled) {
        cmd.add("--user=root:" + ROOT_PASSWORD);
      }
    }
    cmd.addAll(List.of(args));
    return run(cmd, Map.of("ETCDCTL_API", "3"));
  }

  /** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, with openssl. */
  private static Security certificates(Path openssl, Path dir) {
    String o = openssl.toString();
    String d = dir.toString() + "/";
    String ec = "ec_paramgen_curve:P-256";
    for (String ca : List.of("ca", "other-ca")) {
      ok(
          o,
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          ec,
          "-nodes",
          "-days",
          "2",
          "-subj",
          "/CN=tandem-test-" + ca,
          "-keyout",
          d + ca + ".key",
          "-out",
          d + ca + ".crt");
    }
    write(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    write(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    for (String who : List.of("server", "client")) {
      String cn = who.equals("server") ? "127.0.0.1" : "tandem-client";
      ok(
          o,
          "req",
          "-newkey",
          "ec",
          "-pkeyopt",
          ec,
          "-nodes",
          "-subj",
          "/CN=" + cn,
          "-keyout",
          d + who + ".key",
          "-out",
          d + who + ".csr");
      ok(
          o,
          "x509",
          "-req",
          "-in",
          d + who + ".csr",
          "-CA",
          d + "ca.crt",
          "-CAkey",
          d + "ca.key",
          "-CAcreateserial",
          "-days",
          "2",
          "-extfile",
          d + who + ".ext",
          "-out",
          d + who + ".crt");
    }
    return new Security(
        dir.resolve("ca.crt"),
        dir.resolve("client.crt"),
        dir.resolve("client.key"),
        dir.resolve("other-ca.crt"),
        "tandem",
        "tandem-pass-for-tests",
        "reader",
        "reader-pass-for-tests");
  }

  private static void ok(String... cmd) {
    Run r = run(List.of(cmd), Map.of());
    if (r.exit() != 0) {
      throw new PeerStartException(String.join(" ", cmd) + " failed: " + r.output(), null);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new PeerStartException("cannot write " + file, e);
    }
  }

  private static Run run(List<String> cmd, Map<String, String> env) {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Run(-1, out + " (timed out)");
      }
      return new Run(p.exitValue(), out);
    } catch (IOException e) {
      throw new PeerStartException("cannot run " + cmd.getFirst(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PeerStartException("interrupted running " + cmd.getFirst(), e);
    }
  }
}
