package io.tandem.app.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17.4: {@code packaging/bin/tandem-aot DEST} as written, on the jar this build packaged
 * (failsafe, after {@code package}): it unpacks the jar and records an AOT cache from a training
 * start, and the launcher then starts Tandem from that cache: the JVM logs that it opened it, and
 * {@code -XX:AOTMode=on} makes it refuse to start if the cache cannot be used (another jar or JDK).
 */
class TandemAotIT {

  static final Path ROOT =
      Path.of(System.getProperty("tandem.projectRoot", "..")).toAbsolutePath().normalize();

  static String run(Path out, long minutes, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return finish(pb, out, minutes);
  }

  private static String finish(ProcessBuilder pb, Path out, long minutes)
      throws IOException, InterruptedException {
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

  @Test
  void theLauncherStartsFromTheCacheTandemAotRecorded(@TempDir Path dir) throws Exception {
    Path dest = dir.resolve("lib");
    String made =
        run(
            dir.resolve("aot.txt"),
            6,
            ROOT.resolve("packaging/bin/tandem-aot").toString(),
            "--jar",
            ROOT.resolve("app/target/tandem.jar").toString(),
            dest.toString());
    assertThat(made).contains("tandem-aot: " + dest.resolve("tandem.jar"));
    assertThat(dest.resolve("tandem.aot")).isNotEmptyFile();
    assertThat(dest.resolve("lib")).isDirectory();

    ProcessBuilder launcher =
        new ProcessBuilder(ROOT.resolve("packaging/bin/tandem").toString(), "--help")
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("help.txt").toFile());
    launcher.environment().put("JAVA_HOME", System.getProperty("java.home"));
    launcher.environment().put("TANDEM_JAR", dest.resolve("tandem.jar").toString());
    launcher
        .environment()
        .put("TANDEM_JAVA_OPTS", "-XX:+UseSerialGC -XX:AOTMode=on -Xlog:aot=info");
    String help = finish(launcher, dir.resolve("help.txt"), 3);
    assertThat(help)
        .contains("Opened AOT cache " + dest.resolve("tandem.aot"))
        .contains("agent")
        .contains("witness");
  }
}
