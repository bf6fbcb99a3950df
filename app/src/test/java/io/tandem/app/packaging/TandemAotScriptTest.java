package io.tandem.app.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17.4: {@code tandem-aot --if-stale} runs before every start of {@code
 * tandem-agent.service}. When its training fails, it must not train again before every restart of
 * the agent (each would wait for the training), only after the jar or the JDK changed. The JDK here
 * is a stand-in whose {@code java} reports version 25, unpacks like Spring Boot's {@code extract}
 * (the two entries tandem-aot moves) and refuses the training run, as a JVM does that cannot start
 * the agent; the real training is {@link TandemAotIT}'s.
 */
class TandemAotScriptTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  static final String FAILING_JAVA =
      """
      #!/usr/bin/env bash
      case "$*" in
        *-XshowSettings:properties*) echo '    java.specification.version = 25' >&2 ;;
        *extract*)
          while [ $# -gt 0 ]; do [ "$1" = --destination ] && d="$2"; shift; done
          mkdir -p "$d/lib" && : >"$d/tandem.jar" ;;
        *AOTCacheOutput*) echo 'training refused' >&2; exit 1 ;;
      esac
      """;

  record Result(int code, String out) {}

  static Result aot(Path javaHome, Path jar, Path dest) throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(
                ROOT.resolve("packaging/bin/tandem-aot").toString(),
                "--if-stale",
                "--jar",
                jar.toString(),
                dest.toString())
            .redirectErrorStream(true);
    pb.environment().put("JAVA_HOME", javaHome.toString());
    Process p = pb.start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), UTF8));
  }

  static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  @Test
  void aFailedTrainingIsNotRepeatedBeforeEveryStartOnlyAfterAnUpgrade(@TempDir Path dir)
      throws Exception {
    Path java = dir.resolve("jdk/bin/java");
    Files.createDirectories(java.getParent());
    Files.writeString(java, FAILING_JAVA);
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path jar = dir.resolve("tandem.jar");
    Files.writeString(jar, "a jar");
    Path dest = dir.resolve("aot");

    Result first = aot(dir.resolve("jdk"), jar, dest);
    assertThat(first.code()).as(first.out()).isEqualTo(1);
    assertThat(first.out()).contains("the training agent did not become ready");
    assertThat(dest.resolve("tandem.aot")).doesNotExist();
    assertThat(Files.readString(dest.resolve("tandem.stamp"))).endsWith("\nfailed\n");

    Result restart = aot(dir.resolve("jdk"), jar, dest);
    assertThat(restart.code()).as(restart.out()).isZero();
    assertThat(restart.out())
        .contains("the training for this jar and JDK failed before")
        .doesNotContain("did not become ready");

    Files.setLastModifiedTime(
        jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
    Result upgraded = aot(dir.resolve("jdk"), jar, dest);
    assertThat(upgraded.code()).as(upgraded.out()).isEqualTo(1);
    assertThat(upgraded.out()).contains("the training agent did not become ready");
  }
}
