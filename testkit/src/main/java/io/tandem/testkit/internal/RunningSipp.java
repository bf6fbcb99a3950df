package io.tandem.testkit.internal;

import io.tandem.sim.peer.internal.LoopbackPorts;
import io.tandem.sim.peer.internal.PeerProcess;
import io.tandem.sim.peer.internal.SipOptionsPing;
import io.tandem.sim.peer.internal.StartupTimes;
import io.tandem.sim.peer.internal.TempDirs;
import io.tandem.testkit.SippPeer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A running SIPp user-agent server ({@code sipp-uas.xml} next to this class) that answers OPTIONS
 * and REGISTER with 200 OK. Immutable view; thread-safe.
 */
final class RunningSipp implements SippPeer, PeerHandle<SippPeer> {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  private final Path dir;
  private final PeerProcess process;
  private final int port;
  private final String transport;

  private RunningSipp(Path dir, PeerProcess process, int port, String transport) {
    this.dir = dir;
    this.process = process;
    this.port = port;
    this.transport = transport;
  }

  static RunningSipp start(Path sipp, String transport) {
    Path dir = TempDirs.create("sipp");
    Path scenario = dir.resolve("sipp-uas.xml");
    try (InputStream in = RunningSipp.class.getResourceAsStream("sipp-uas.xml")) {
      if (in == null) {
        throw new IllegalStateException("sipp-uas.xml resource missing from the testkit jar");
      }
      Files.copy(in, scenario);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int port = LoopbackPorts.tcpAndUdp();
    // SIPp would otherwise bind its control port 8888 and media port 6000 (shared by parallel
    // runs).
    int controlPort = LoopbackPorts.tcpAndUdp();
    int mediaPort = LoopbackPorts.tcpAndUdp();
    PeerProcess process =
        new PeerProcess(
            "sipp",
            List.of(
                sipp.toString(),
                "-sf",
                scenario.toString(),
                "-i",
                LoopbackPorts.HOST,
                "-bind_local",
                "-p",
                Integer.toString(port),
                "-t",
                transport.equals("tcp") ? "t1" : "u1",
                "-cp",
                Integer.toString(controlPort),
                "-mp",
                Integer.toString(mediaPort),
                "-nostdin",
                "-trace_err",
                "-error_file",
                dir.resolve("sipp-errors.log").toString()),
            dir,
            dir.resolve("sipp.log"),
            Map.of("TERM", "dumb"));
    RunningSipp running = new RunningSipp(dir, process, port, transport);
    long t0 = System.nanoTime();
    try {
      process.startAndAwait(
          READY_TIMEOUT,
          () ->
              transport.equals("tcp")
                  ? LoopbackPorts.acceptsTcp(port)
                  : SipOptionsPing.answers200(LoopbackPorts.HOST, port, 200));
    } catch (RuntimeException e) {
      running.close();
      throw e;
    }
    StartupTimes.record(
        "sipp-" + transport,
        Duration.ofNanos(System.nanoTime() - t0),
        LoopbackPorts.HOST + ":" + port + "/" + transport);
    return running;
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
  public String transport() {
    return transport;
  }

  @Override
  public SippPeer peer() {
    return this;
  }

  @Override
  public String logTail() {
    return process.logTail()
        + "\n"
        + PeerProcess.logTail(dir.resolve("sipp-errors.log"), "sipp errors", 100);
  }

  @Override
  public void close() {
    process.stop();
    TempDirs.delete(dir);
  }

  @Override
  public String toString() {
    return "Sipp[" + LoopbackPorts.HOST + ":" + port + "/" + transport + "]";
  }
}
