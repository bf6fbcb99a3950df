package io.tandem.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code tandem agent} process: the CLI's main class in a child JVM on the test class path,
 * with its own environment, as systemd would start it (without the launcher script). Optionally
 * wrapped in another command (e.g. {@code unshare} for a private mount namespace); the wrapper must
 * {@code exec} the JVM so the process id is the agent's.
 */
public final class AgentProcess implements AutoCloseable {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Users every test agent gets. */
  public static final String OPERATOR_PASSWORD = "operator-password-for-tests";

  private final Process process;
  private final int port;
  private final Path log;

  private AgentProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts {@code tandem agent --config config --site site --data-dir dataDir --bind 127.0.0.1
   * --port <free>} and waits until its health endpoint answers.
   *
   * @param wrapper command words put before {@code java ...} (may be empty)
   * @param env extra environment (secrets the cluster file references)
   */
  public static AgentProcess start(
      Path config,
      String site,
      Path dataDir,
      Path log,
      List<String> wrapper,
      Map<String, String> env)
      throws IOException {
    return start(config, site, dataDir, log, wrapper, env, freePort());
  }

  public static AgentProcess start(
      Path config,
      String site,
      Path dataDir,
      Path log,
      List<String> wrapper,
      Map<String, String> env,
      int port)
      throws IOException {
    List<String> cmd = new ArrayList<>(wrapper);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.tandem.app.TandemMain");
    cmd.addAll(
        List.of(
            "agent",
            "--config",
            config.toString(),
            "--site",
            site,
            "--data-dir",
            dataDir.toString(),
            "--bind",
            "127.0.0.1",
            "--port",
            String.valueOf(port)));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> e = pb.environment();
    e.keySet().removeIf(k -> k.startsWith("TANDEM_"));
    e.put("TANDEM_OPERATOR_PASSWORD", OPERATOR_PASSWORD);
    e.putAll(env);
    AgentProcess agent = new AgentProcess(pb.start(), port, log);
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              assertThat(agent.process.isAlive()).as(agent.logTail()).isTrue();
              assertThat(agent.health()).isEqualTo(200);
            });
    return agent;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public URI url(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** The last few kilobytes the agent printed. */
  public String logTail() {
    try {
      String s = Files.exists(log) ? Files.readString(log) : "";
      return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    } catch (IOException e) {
      return "(log unreadable)";
    }
  }

  private int health() {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(url("/actuator/health"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Kills the process (as a crash would) and waits for it to be gone. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
