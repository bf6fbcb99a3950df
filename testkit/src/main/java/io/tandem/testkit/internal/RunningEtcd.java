package io.tandem.testkit.internal;

import io.tandem.sim.peer.internal.HttpProbe;
import io.tandem.sim.peer.internal.LoopbackPorts;
import io.tandem.sim.peer.internal.PeerProcess;
import io.tandem.sim.peer.internal.StartupTimes;
import io.tandem.sim.peer.internal.TempDirs;
import io.tandem.testkit.EtcdPeer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A running single-node etcd. {@link #stop()} and {@link #start()} keep the ports and the data
 * directory, so a restarted member serves the same keys (leases keep counting down while it is
 * down). Thread-safe: stop and start are serialised.
 */
final class RunningEtcd implements EtcdPeer, PeerHandle<EtcdPeer> {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final Path binary;
  private final Path dir;
  private final int clientPort;
  private final int peerPort;
  private PeerProcess process;

  private RunningEtcd(Path binary, Path dir, int clientPort, int peerPort) {
    this.binary = binary;
    this.dir = dir;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
  }

  static RunningEtcd start(Path binary) {
    int[] ports = LoopbackPorts.distinctTcp(2);
    RunningEtcd etcd = new RunningEtcd(binary, TempDirs.create("etcd"), ports[0], ports[1]);
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
    PeerProcess next =
        new PeerProcess(
            "etcd",
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
                "warn"),
            dir,
            dir.resolve("etcd.log"),
            Map.of("ETCD_UNSUPPORTED_ARCH", ""));
    long t0 = System.nanoTime();
    next.startAndAwait(
        READY_TIMEOUT, () -> HttpProbe.get(endpoint() + "/health").body().contains("\"true\""));
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
    return "http://" + LoopbackPorts.HOST + ":" + clientPort;
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
}
