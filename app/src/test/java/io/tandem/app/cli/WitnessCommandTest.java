package io.tandem.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.ExitCodes;
import io.tandem.app.witness.HttpWitness;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code tandem witness --config loopback.yaml --data-dir ...}, the command the example file
 * documents, run as a real process: it serves the file's cluster to its sites on {@code
 * witness.listen}, with the grace from {@code timings.witnessGrace}; it refuses a damaged state
 * file and a TTL below its minimum with a clear message and exit code 2, starting nothing.
 */
class WitnessCommandTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Map<String, String> SECRETS =
      Map.of(
          "TANDEM_WITNESS_SECRET_ALPHA", "alpha-witness-secret-0123",
          "TANDEM_WITNESS_SECRET_BETA", "beta-witness-secret-01234");

  @TempDir Path dir;
  final List<Process> started = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : started) {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  record Running(Process process, List<String> out) {}

  private Running witness(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.tandem.app.TandemMain");
    cmd.add("witness");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(SECRETS);
    Process p = pb.start();
    started.add(p);
    List<String> out = new CopyOnWriteArrayList<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  out.add(line);
                }
              } catch (IOException e) {
                out.add("(output ended: " + e.getMessage() + ")");
              }
            });
    return new Running(p, out);
  }

  /** The example file, listening on a free loopback port instead of 7443. */
  private Path loopbackExample(int port, String... replacements) throws IOException {
    String yaml = Files.readString(ROOT.resolve("docs/examples/loopback.yaml"));
    yaml = yaml.replace("127.0.0.1:7443", "127.0.0.1:" + port);
    for (int i = 0; i + 1 < replacements.length; i += 2) {
      assertThat(yaml).contains(replacements[i]);
      yaml = yaml.replace(replacements[i], replacements[i + 1]);
    }
    Path file = dir.resolve("loopback.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static HttpWitness client(int port, String site, String secret) {
    return new HttpWitness(
        HttpClient.newHttpClient(),
        URI.create("http://127.0.0.1:" + port),
        site,
        () -> secret,
        // the first requests reach a just-started JVM (classes loading, code not yet compiled):
        // an agent's retryTimeout would do on a quiet machine; 10 s allows for a loaded one
        Duration.ofSeconds(10),
        JsonMapper.shared());
  }

  @Test
  void theDocumentedCommandServesTheFilesClusterWithItsGrace() throws Exception {
    int port = freePort();
    Path config = loopbackExample(port);
    Running w = witness("--config", config.toString(), "--data-dir", dir.resolve("w").toString());
    await()
        .atMost(60, TimeUnit.SECONDS)
        .until(() -> w.out().stream().anyMatch(l -> l.startsWith("tandem witness: serving")));
    assertThat(w.out())
        .contains(
            "tandem witness: serving cluster 'pbx-loopback' on http://127.0.0.1:"
                + port
                + ", state in "
                + dir.resolve("w"));

    HttpWitness alpha = client(port, "alpha", SECRETS.get("TANDEM_WITNESS_SECRET_ALPHA"));
    HttpWitness beta = client(port, "beta", SECRETS.get("TANDEM_WITNESS_SECRET_BETA"));
    Duration ttl = Duration.ofSeconds(6);
    TicketResult granted = alpha.acquire(TicketRequest.acquire("pbx-loopback", "alpha", true, ttl));
    assertThat(granted.granted()).as(granted.reason()).isTrue();
    TicketResult refused = beta.acquire(TicketRequest.acquire("pbx-loopback", "beta", true, ttl));
    assertThat(refused.reason())
        .as("the grace is the file's timings.witnessGrace (1s)")
        .endsWith("(+ grace 1000 ms)");
    assertThat(Files.list(dir.resolve("w/state")).count()).isEqualTo(1);
  }

  @Test
  void aDamagedStateFileStopsTheWitnessNamingTheFile() throws Exception {
    int port = freePort();
    Path config = loopbackExample(port);
    Path data = dir.resolve("w");
    Running first = witness("--config", config.toString(), "--data-dir", data.toString());
    await()
        .atMost(60, TimeUnit.SECONDS)
        .until(() -> first.out().stream().anyMatch(l -> l.startsWith("tandem witness: serving")));
    HttpWitness alpha = client(port, "alpha", SECRETS.get("TANDEM_WITNESS_SECRET_ALPHA"));
    assertThat(
            alpha
                .acquire(
                    TicketRequest.acquire("pbx-loopback", "alpha", true, Duration.ofSeconds(6)))
                .granted())
        .isTrue();
    first.process().destroy();
    assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    Path file;
    try (var files = Files.list(data.resolve("state"))) {
      file = files.findFirst().orElseThrow();
    }
    assertThat(file.getFileName().toString()).isEqualTo("witness.0.log");
    Files.writeString(file, Files.readString(file).replace(" epoch=1 ", " epoch=0 "));

    Running second = witness("--config", config.toString(), "--data-dir", data.toString());
    assertThat(second.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(second.process().exitValue()).isEqualTo(ExitCodes.INVALID);
    await().atMost(10, TimeUnit.SECONDS).until(() -> !second.out().isEmpty());
    assertThat(String.join("\n", second.out()))
        .contains("witness state file " + file + " line 1 is damaged: checksum mismatch")
        .contains("nothing started")
        .doesNotContain("\tat ");
  }

  @Test
  void aTicketTtlBelowTheWitnessMinimumIsRefusedWithAClearError() throws Exception {
    Path config =
        loopbackExample(
            freePort(),
            "  tick: 500ms\n  ticketTtl: 6s\n  retryTimeout: 1s\n  witnessGrace: 1s\n"
                + "  driftMargin: 200ms",
            "  tick: 100ms\n  ticketTtl: 400ms\n  retryTimeout: 100ms\n  witnessGrace: 100ms\n"
                + "  driftMargin: 50ms");
    Running w = witness("--config", config.toString(), "--data-dir", dir.resolve("w").toString());
    assertThat(w.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(w.process().exitValue()).isEqualTo(ExitCodes.INVALID);
    await().atMost(10, TimeUnit.SECONDS).until(() -> w.out().size() >= 2);
    assertThat(String.join("\n", w.out()))
        // located by the cluster file's own validation (the same rule and words as the agents')
        .containsPattern(
            "loopback\\.yaml:\\d+:\\d+: timings\\.ticketTtl: expected at least 500ms \\(the"
                + " built-in witness grants no shorter ticket\\), found 400ms")
        .contains("nothing started");
  }
}
