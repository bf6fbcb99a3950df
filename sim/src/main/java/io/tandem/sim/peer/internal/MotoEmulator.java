package io.tandem.sim.peer.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * moto's standalone server ({@code moto_server}): one HTTP endpoint for EC2, Route 53 and DynamoDB,
 * state in memory, {@code POST /moto-api/reset} clears it. Thread-safe.
 */
public final class MotoEmulator implements RunningAwsEmulator {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final PeerProcess process;
  private final URI endpoint;

  private MotoEmulator(Path dir, PeerProcess process, URI endpoint) {
    this.dir = dir;
    this.process = process;
    this.endpoint = endpoint;
  }

  public static MotoEmulator start(Path motoServer) {
    Path dir = TempDirs.create("moto");
    int port = LoopbackPorts.tcp();
    URI endpoint = URI.create("http://" + LoopbackPorts.HOST + ":" + port);
    PeerProcess process =
        new PeerProcess(
            "moto",
            List.of(motoServer.toString(), "-H", LoopbackPorts.HOST, "-p", Integer.toString(port)),
            dir,
            dir.resolve("moto.log"),
            // Keep moto off the network and on the test credentials whatever the caller's env.
            Map.of(
                "AWS_ACCESS_KEY_ID", ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY,
                "AWS_DEFAULT_REGION", REGION,
                "HOME", dir.toString(),
                "PYTHONUNBUFFERED", "1"));
    MotoEmulator moto = new MotoEmulator(dir, process, endpoint);
    long t0 = System.nanoTime();
    try {
      process.startAndAwait(READY_TIMEOUT, () -> moto.resetAnswer().statusCode() == 200);
    } catch (RuntimeException e) {
      moto.close();
      throw e;
    }
    StartupTimes.record("moto", Duration.ofNanos(System.nanoTime() - t0), endpoint.toString());
    return moto;
  }

  private HttpResponse<String> resetAnswer() throws IOException {
    return HttpProbe.post(endpoint + "/moto-api/reset", "");
  }

  @Override
  public Engine engine() {
    return Engine.MOTO;
  }

  @Override
  public URI endpoint() {
    return endpoint;
  }

  @Override
  public void reset() {
    try {
      HttpResponse<String> answer = resetAnswer();
      if (answer.statusCode() != 200) {
        throw new IllegalStateException("moto reset answered HTTP " + answer.statusCode());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("moto reset failed", e);
    }
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

  @Override
  public String toString() {
    return "Moto[" + endpoint + "]";
  }
}
