package io.tandem.app.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17.4: the AOT cache as users get it. {@code tandem-agent.service}'s {@code ExecStartPre}
 * (tandem-aot {@code --if-stale}) is run as written, with the unit's paths moved under a temporary
 * root ({@code /usr/local/bin} is this checkout's packaging/bin, the installed jar a copy of the
 * one this build packaged, {@code /var/lib/tandem} a temporary directory), after {@code package}
 * (failsafe):
 *
 * <ul>
 *   <li>it unpacks the jar and records a cache from a training start; run again, it does nothing;
 *   <li>the launcher, given the unit's {@code TANDEM_AOT_DIR}, then starts from that cache: the JVM
 *       logs that it opened it, and {@code -XX:AOTMode=on} makes it refuse to start if the cache
 *       cannot be used (another jar or JDK);
 *   <li>once the installed jar changes (an upgrade), the launcher no longer starts the unpacked old
 *       copy: it runs the installed jar until the cache is made again.
 * </ul>
 */
class TandemAotIT {

  static final Path ROOT =
      Path.of(System.getProperty("tandem.projectRoot", "..")).toAbsolutePath().normalize();
  static final Path UNIT = ROOT.resolve("packaging/systemd/tandem-agent.service");

  static String run(Path out, long minutes, Map<String, String> env, List<String> command)
      throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    pb.environment().remove("TANDEM_JAVA_OPTS");
    pb.environment().remove("TANDEM_AOT_DIR");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(env);
    Process p = pb.start();
    boolean ended = p.waitFor(minutes, TimeUnit.MINUTES);
    if (!ended) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    String printed = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(ended).as("ended within %d minutes: %s", minutes, printed).isTrue();
    assertThat(p.exitValue()).as(printed).isZero();
    return printed;
  }

  /** The value of the unit's first {@code key=} line ("-" prefix of ExecStartPre removed). */
  static String unit(String key) throws IOException {
    return Files.readAllLines(UNIT).stream()
        .filter(l -> l.startsWith(key + "="))
        .map(l -> l.substring(key.length() + 1))
        .map(v -> v.startsWith("-") ? v.substring(1) : v)
        .findFirst()
        .orElseThrow(() -> new AssertionError(UNIT + " has no " + key));
  }

  @Test
  void theAgentUnitRecordsTheCacheOnceAndTheLauncherStartsFromIt(@TempDir Path dir)
      throws Exception {
    Path installed = dir.resolve("usr/local/lib/tandem/tandem.jar");
    Files.createDirectories(installed.getParent());
    Files.copy(ROOT.resolve("app/target/tandem.jar"), installed);
    Path varLib = dir.resolve("var/lib/tandem");
    Files.createDirectories(varLib);
    String aotDir = unit("Environment").replaceFirst("^TANDEM_AOT_DIR=", "");
    assertThat(aotDir).as("the unit names the cache directory").startsWith("/var/lib/tandem/");
    Path cacheDir = Path.of(aotDir.replace("/var/lib/tandem", varLib.toString()));
    List<String> pre = new ArrayList<>();
    for (String word : unit("ExecStartPre").split(" ")) {
      pre.add(
          word.replace("/usr/local/bin/", ROOT.resolve("packaging/bin") + "/")
              .replace("/usr/local/lib/tandem/tandem.jar", installed.toString())
              .replace("/var/lib/tandem", varLib.toString()));
    }
    assertThat(pre).contains("--if-stale");
    assertThat(Files.readString(ROOT.resolve("docs/operations.md")))
        .as("docs/operations.md shows the unit's command as it runs here")
        .contains(unit("ExecStartPre"));

    String made = run(dir.resolve("aot.txt"), 6, Map.of(), pre);
    assertThat(made).contains("tandem-aot: " + cacheDir.resolve("tandem.jar"));
    assertThat(cacheDir.resolve("tandem.aot")).isNotEmptyFile();
    assertThat(cacheDir.resolve("lib")).isDirectory();
    assertThat(run(dir.resolve("again.txt"), 2, Map.of(), pre))
        .as("a second start with the same jar and JDK records nothing")
        .contains("tandem-aot: " + cacheDir.resolve("tandem.aot") + " is up to date");

    Map<String, String> asTheUnit =
        Map.of(
            "TANDEM_JAR", installed.toString(),
            "TANDEM_AOT_DIR", cacheDir.toString(),
            "TANDEM_JAVA_OPTS",
                "-XX:+UseSerialGC -XX:AOTMode=on -Xlog:aot=info -Xlog:arguments=info");
    List<String> help = List.of(ROOT.resolve("packaging/bin/tandem").toString(), "--help");
    assertThat(run(dir.resolve("help.txt"), 3, asTheUnit, help))
        .contains("Opened AOT cache " + cacheDir.resolve("tandem.aot"))
        .contains("java_command: " + cacheDir.resolve("tandem.jar") + " --help")
        .contains("agent")
        .contains("witness");

    // an upgrade: the installed jar changes; the old unpacked copy must not be started any more
    Files.setLastModifiedTime(
        installed, FileTime.fromMillis(Files.getLastModifiedTime(installed).toMillis() + 60_000));
    Map<String, String> upgraded = new HashMap<>(asTheUnit);
    upgraded.put("TANDEM_JAVA_OPTS", "-XX:+UseSerialGC -Xlog:aot=info -Xlog:arguments=info");
    assertThat(run(dir.resolve("upgraded.txt"), 3, upgraded, help))
        .doesNotContain("Opened AOT cache")
        .contains("java_command: " + installed + " --help")
        .contains("witness");
  }
}
