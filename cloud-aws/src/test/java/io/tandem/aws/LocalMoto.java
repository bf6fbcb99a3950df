package io.tandem.aws;

import io.tandem.testkit.AwsEmulatorPeer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/** Temporary stand-in for the testkit's @AwsEmulator until it lands (removed after merge). */
public final class LocalMoto implements ParameterResolver {

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == AwsEmulatorPeer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    String key = "moto-" + e.getRequiredTestClass().getName();
    return e.getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .computeIfAbsent(key, k -> start(), Running.class);
  }

  private static Running start() {
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Path bin = Path.of("/work/main/.peers/venv/bin/moto_server");
      Path log = Files.createTempFile("moto", ".log");
      Process process =
          new ProcessBuilder(bin.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      URI endpoint = URI.create("http://127.0.0.1:" + port);
      HttpClient http = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline) {
        try {
          http.send(
              HttpRequest.newBuilder(endpoint.resolve("/moto-api/")).build(),
              HttpResponse.BodyHandlers.discarding());
          return new Running(process, endpoint);
        } catch (IOException notYet) {
          Thread.onSpinWait();
        }
      }
      process.destroy();
      throw new IllegalStateException("moto not ready");
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  record Running(Process process, URI endpoint) implements AwsEmulatorPeer, AutoCloseable {
    @Override
    public Engine engine() {
      return Engine.MOTO;
    }

    @Override
    public String region() {
      return "us-east-1";
    }

    @Override
    public String accessKeyId() {
      return "test";
    }

    @Override
    public String secretAccessKey() {
      return "test";
    }

    @Override
    public void reset() {
      try {
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(endpoint.resolve("/moto-api/reset"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.discarding());
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() {
      process.destroy();
    }
  }
}
