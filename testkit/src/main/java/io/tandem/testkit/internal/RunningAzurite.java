package io.tandem.testkit.internal;

import io.tandem.sim.peer.internal.HttpProbe;
import io.tandem.sim.peer.internal.LoopbackPorts;
import io.tandem.sim.peer.internal.PeerProcess;
import io.tandem.sim.peer.internal.StartupTimes;
import io.tandem.sim.peer.internal.TempDirs;
import io.tandem.testkit.AzuritePeer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A running Azurite Blob service with the well-known development account. Telemetry is always
 * disabled (otherwise Azurite tries to reach a telemetry host). Immutable view; thread-safe.
 */
final class RunningAzurite implements AzuritePeer, PeerHandle<AzuritePeer> {

  static final String ACCOUNT = "devstoreaccount1";

  /** Azurite's published development key: a constant of the emulator, not a secret. */
  static final String KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final PeerProcess process;
  private final int port;

  private RunningAzurite(Path dir, PeerProcess process, int port) {
    this.dir = dir;
    this.process = process;
    this.port = port;
  }

  static RunningAzurite start(Path azuriteBlob) {
    Path dir = TempDirs.create("azurite");
    int port = LoopbackPorts.tcp();
    PeerProcess process =
        new PeerProcess(
            "azurite",
            List.of(
                azuriteBlob.toString(),
                "--blobHost",
                LoopbackPorts.HOST,
                "--blobPort",
                Integer.toString(port),
                "--location",
                dir.resolve("data").toString(),
                "--skipApiVersionCheck",
                "--disableTelemetry",
                "--loose",
                "--debug",
                dir.resolve("azurite-debug.log").toString()),
            dir,
            dir.resolve("azurite.log"),
            Map.of());
    RunningAzurite azurite = new RunningAzurite(dir, process, port);
    long t0 = System.nanoTime();
    try {
      // Any HTTP answer means it listens: an unauthenticated list is refused with 403.
      process.startAndAwait(
          READY_TIMEOUT,
          () -> HttpProbe.get(azurite.blobEndpoint() + "?comp=list").statusCode() > 0);
    } catch (RuntimeException e) {
      azurite.close();
      throw e;
    }
    StartupTimes.record(
        "azurite", Duration.ofNanos(System.nanoTime() - t0), LoopbackPorts.HOST + ":" + port);
    return azurite;
  }

  @Override
  public String blobEndpoint() {
    return "http://" + LoopbackPorts.HOST + ":" + port + "/" + ACCOUNT;
  }

  @Override
  public String connectionString() {
    return "DefaultEndpointsProtocol=http;AccountName="
        + ACCOUNT
        + ";AccountKey="
        + KEY
        + ";BlobEndpoint="
        + blobEndpoint()
        + ";";
  }

  @Override
  public String accountName() {
    return ACCOUNT;
  }

  @Override
  public String accountKey() {
    return KEY;
  }

  @Override
  public AzuritePeer peer() {
    return this;
  }

  @Override
  public String logTail() {
    return process.logTail()
        + "\n"
        + PeerProcess.logTail(dir.resolve("azurite-debug.log"), "azurite debug", 100);
  }

  @Override
  public void close() {
    process.stop();
    TempDirs.delete(dir);
  }

  @Override
  public String toString() {
    return "Azurite[" + blobEndpoint() + "]";
  }
}
