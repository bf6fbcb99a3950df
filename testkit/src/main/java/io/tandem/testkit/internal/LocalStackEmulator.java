package io.tandem.testkit.internal;

import io.tandem.sim.peer.internal.HttpProbe;
import io.tandem.sim.peer.internal.RunningAwsEmulator;
import io.tandem.sim.peer.internal.StartupTimes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * LocalStack through Testcontainers, for developers who have a Docker engine. The image comes from
 * {@code TANDEM_LOCALSTACK_IMAGE} (default {@value #DEFAULT_IMAGE}); {@code LOCALSTACK_AUTH_TOKEN}
 * is passed through when set (newer LocalStack images require it). Reset uses LocalStack's state
 * endpoint. Not exercised on machines without Docker (see docs/adr/0003-aws-emulator.md).
 */
final class LocalStackEmulator implements RunningAwsEmulator {

  static final String DEFAULT_IMAGE = "localstack/localstack:4";

  private final LocalStackContainer container;

  private LocalStackEmulator(LocalStackContainer container) {
    this.container = container;
  }

  /** Whether a Docker engine answers; never throws (no engine, no socket, broken config). */
  static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  static LocalStackEmulator start() {
    String image = System.getenv().getOrDefault("TANDEM_LOCALSTACK_IMAGE", DEFAULT_IMAGE);
    LocalStackContainer container =
        new LocalStackContainer(
                DockerImageName.parse(image).asCompatibleSubstituteFor("localstack/localstack"))
            .withServices("ec2", "route53", "dynamodb", "sts");
    String token = System.getenv("LOCALSTACK_AUTH_TOKEN");
    if (token != null && !token.isBlank()) {
      container.withEnv("LOCALSTACK_AUTH_TOKEN", token);
    }
    long t0 = System.nanoTime();
    container.start();
    StartupTimes.record(
        "localstack", Duration.ofNanos(System.nanoTime() - t0), container.getEndpoint().toString());
    return new LocalStackEmulator(container);
  }

  @Override
  public Engine engine() {
    return Engine.LOCALSTACK;
  }

  @Override
  public URI endpoint() {
    return container.getEndpoint();
  }

  @Override
  public void reset() {
    try {
      HttpResponse<String> answer = HttpProbe.post(endpoint() + "/_localstack/state/reset", "");
      if (answer.statusCode() / 100 != 2) {
        throw new IllegalStateException(
            "LocalStack state reset answered HTTP " + answer.statusCode() + ": " + answer.body());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("LocalStack state reset failed", e);
    }
  }

  @Override
  public String logTail() {
    return "----- localstack log -----\n"
        + container.getLogs()
        + "\n----- end of localstack log -----";
  }

  @Override
  public void close() {
    container.stop();
  }

  @Override
  public String toString() {
    return "LocalStack[" + endpoint() + "]";
  }
}
