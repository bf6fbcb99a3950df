package io.tandem.app.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.cli.TandemCommand;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17.4: {@code tandem-witness.service} as systemd runs it, after {@code package} (failsafe),
 * with the unit's paths moved under a temporary root ({@code /usr/local/bin} is this checkout's
 * packaging/bin, the installed jar a copy of the one this build packaged, {@code /etc/tandem} the
 * example cluster file with a keystore made by keytool, {@code /var/lib/tandem-witness} and the
 * {@code CacheDirectory=} temporary directories):
 *
 * <ul>
 *   <li>the unit's {@code ExecStartPre} (tandem-aot {@code --if-stale --witness}) records a cache
 *       trained on a witness; run again, it does nothing;
 *   <li>the unit's {@code ExecStart}, with the unit's {@code Environment=} and the {@code
 *       CACHE_DIRECTORY} systemd derives from {@code CacheDirectory=}, starts from that cache with
 *       the launcher's witness heap cap, serves over HTTPS, and its restart parses no cluster file;
 *   <li>{@code LimitNOFILE} leaves room for every connection the witness accepts.
 * </ul>
 */
class WitnessUnitIT {

  static final Path ROOT =
      Path.of(System.getProperty("tandem.projectRoot", "..")).toAbsolutePath().normalize();
  static final Path UNIT = ROOT.resolve("packaging/systemd/tandem-witness.service");
  static final String PASSWORD = "unit-test-keystore-password";

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

  /** Every value of the unit's {@code key=} lines ("-" prefix of Exec lines removed). */
  static List<String> unit(String key) throws IOException {
    return Files.readAllLines(UNIT).stream()
        .filter(l -> l.startsWith(key + "="))
        .map(l -> l.substring(key.length() + 1))
        .map(v -> v.startsWith("-") ? v.substring(1) : v)
        .toList();
  }

  static String one(String key) throws IOException {
    List<String> v = unit(key);
    assertThat(v).as(UNIT + " " + key).hasSize(1);
    return v.getFirst();
  }

  /** A unit command line, split on spaces, with the unit's paths mapped under {@code root}. */
  static List<String> mapped(String line, Path root) {
    List<String> words = new ArrayList<>();
    for (String word : line.split(" ")) {
      words.add(
          word.replace("/usr/local/bin/", ROOT.resolve("packaging/bin") + "/")
              .replace("/usr/local/lib/tandem/", root + "/usr/local/lib/tandem/")
              .replace("/var/lib/tandem-witness", root + "/var/lib/tandem-witness")
              .replace("/etc/tandem/", root + "/etc/tandem/"));
    }
    return words;
  }

  Process start(Path out, Map<String, String> env, List<String> command) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    pb.environment().remove("TANDEM_JAVA_OPTS");
    pb.environment().remove("TANDEM_AOT_DIR");
    pb.environment().remove("CACHE_DIRECTORY");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(env);
    Process p = pb.start();
    started.add(p);
    return p;
  }

  String run(Path out, long minutes, Map<String, String> env, List<String> command)
      throws IOException, InterruptedException {
    Process p = start(out, env, command);
    boolean ended = p.waitFor(minutes, TimeUnit.MINUTES);
    String printed = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(ended).as("ended within %d minutes: %s", minutes, printed).isTrue();
    assertThat(p.exitValue()).as(printed).isZero();
    return printed;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void theWitnessUnitRecordsAWitnessCacheStartsFromItAndRestartsWithoutParsing(@TempDir Path root)
      throws Exception {
    Path installed = root.resolve("usr/local/lib/tandem/tandem.jar");
    Files.createDirectories(installed.getParent());
    Files.copy(ROOT.resolve("app/target/tandem.jar"), installed);
    Files.createDirectories(root.resolve("var/lib/tandem-witness"));
    Path etc = Files.createDirectories(root.resolve("etc/tandem"));
    int port = freePort();
    Files.writeString(
        etc.resolve("cluster.yaml"),
        Files.readString(ROOT.resolve("docs/examples/loopback.yaml"))
            .replace("127.0.0.1:7443", "127.0.0.1:" + port));
    run(
        root.resolve("keytool.txt"),
        2,
        Map.of(),
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair",
            "-alias",
            "witness",
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-dname",
            "CN=127.0.0.1",
            "-validity",
            "2",
            "-storetype",
            "PKCS12",
            "-keystore",
            etc.resolve("witness.p12").toString(),
            "-storepass",
            PASSWORD));

    List<String> pre = mapped(one("ExecStartPre"), root);
    assertThat(pre).contains("--if-stale", "--witness");
    assertThat(Files.readString(ROOT.resolve("docs/operations.md")))
        .as("docs/operations.md shows the unit's command as it runs here")
        .contains(one("ExecStartPre"));
    String aotDir = one("Environment").replaceFirst("^TANDEM_AOT_DIR=", "");
    Path cacheDir = Path.of(mapped(aotDir, root).getFirst());
    String made = run(root.resolve("aot.txt"), 6, Map.of(), pre);
    assertThat(made).contains("tandem-aot: " + cacheDir.resolve("tandem.jar"));
    assertThat(cacheDir.resolve("tandem.aot")).isNotEmptyFile();
    assertThat(Files.readString(cacheDir.resolve("tandem.stamp"))).contains(" witness\n");
    assertThat(run(root.resolve("again.txt"), 2, Map.of(), pre))
        .contains("tandem-aot: " + cacheDir.resolve("tandem.aot") + " is up to date");

    // systemd: CacheDirectory=tandem-witness -> CACHE_DIRECTORY=/var/cache/tandem-witness
    assertThat(one("CacheDirectory")).isEqualTo("tandem-witness");
    Map<String, String> asTheUnit = new HashMap<>();
    asTheUnit.put("TANDEM_AOT_DIR", cacheDir.toString());
    asTheUnit.put("CACHE_DIRECTORY", root.resolve("var/cache/tandem-witness").toString());
    asTheUnit.put("TANDEM_WITNESS_KEYSTORE_PASSWORD", PASSWORD);
    asTheUnit.put("TANDEM_WITNESS_SECRET_ALPHA", "alpha-witness-secret-0123");
    asTheUnit.put("TANDEM_WITNESS_SECRET_BETA", "beta-witness-secret-01234");
    asTheUnit.put("TANDEM_JAR", installed.toString());
    // beside the launcher's options, not instead of them: which cache and heap the JVM took
    asTheUnit.put("JAVA_TOOL_OPTIONS", "-Xlog:aot=info -Xlog:gc+init=info");
    assertThat(unit("Environment"))
        .as("the JVM options are the launcher's: the unit sets none")
        .noneMatch(e -> e.contains("TANDEM_JAVA_OPTS"));
    List<String> exec = mapped(one("ExecStart"), root);
    assertThat(exec).contains("witness", "--tls-keystore");

    for (String start : List.of("first", "restart")) {
      Path out = root.resolve(start + ".txt");
      Process w = start(out, asTheUnit, exec);
      await()
          .atMost(3, TimeUnit.MINUTES)
          .until(() -> !w.isAlive() || Files.readString(out).contains("tandem witness: serving"));
      String printed = Files.readString(out);
      assertThat(printed)
          .contains("Opened AOT cache " + cacheDir.resolve("tandem.aot"))
          .contains("Heap Max Capacity: 256M")
          .contains("serving cluster 'pbx-loopback' on https://127.0.0.1:" + port)
          .contains(
              start.equals("first")
                  ? "(1 parsed, 0 unchanged since the last start)"
                  : "(0 parsed, 1 unchanged since the last start)");
      w.destroy();
      assertThat(w.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void limitNoFileLeavesRoomForEveryConnectionTheWitnessAccepts() throws IOException {
    int limit = Integer.parseInt(one("LimitNOFILE"));
    String maxConnections =
        TandemCommand.commandLine("witness")
            .getSubcommands()
            .get("witness")
            .getCommandSpec()
            .findOption("--max-connections")
            .defaultValue();
    // each accepted connection is a descriptor; the process needs about 250 more (unpacked jar's
    // libraries, state log, epoll, the JVM's own): 20,000 sites' connections fit with room
    assertThat(limit).isGreaterThanOrEqualTo(Integer.parseInt(maxConnections) + 1024);
    assertThat(Integer.parseInt(maxConnections)).isGreaterThanOrEqualTo(20_000);
  }
}
