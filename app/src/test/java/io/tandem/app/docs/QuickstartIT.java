package io.tandem.app.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.sim.peer.internal.PeerBinaries;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18.7: {@code docs/quickstart.md} as written. Every fenced {@code sh} block is run, in
 * order, by one {@code bash -euo pipefail} in an empty home directory, with the launcher {@code
 * packaging/bin/tandem} (this build's jar) and the testkit's moto on the {@code PATH}: a witness,
 * two agents and two {@code tandem sim-pbx} as separate processes, a {@code kill -9} failover and a
 * failback. A block preceded by {@code <!-- not run by QuickstartIT: why -->} is skipped (the
 * install step: the testkit installed moto); the test prints each skipped block with its reason.
 * Bounded: the script's session is killed after 10 minutes and at the end, whatever happened.
 */
class QuickstartIT {

  static final Pattern BLOCK =
      Pattern.compile(
          "(<!-- not run by QuickstartIT: ([^>]*)-->\\s*)?```sh\\n(.*?)```", Pattern.DOTALL);

  /** The fenced {@code sh} blocks of a page, minus those it marks as not run (printed). */
  static String script(Path page) throws IOException {
    String md = Files.readString(page, StandardCharsets.UTF_8);
    Matcher m = BLOCK.matcher(md);
    List<String> blocks = new ArrayList<>();
    while (m.find()) {
      if (m.group(1) != null) {
        System.out.println("not run (" + m.group(2).strip() + "):\n" + m.group(3));
        continue;
      }
      blocks.add(m.group(3));
    }
    return String.join("\n", blocks);
  }

  @Test
  void theQuickstartRunsAsWritten(@TempDir Path home) throws Exception {
    Path root =
        Path.of(System.getProperty("tandem.projectRoot", "..")).toAbsolutePath().normalize();
    assertThat(root.resolve("app/target/tandem.jar")).as("run after package").exists();
    for (int port : new int[] {17443, 17481, 17482, 17500, 17538, 17539}) {
      try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
        assertThat(s.getLocalPort()).isEqualTo(port);
      } catch (IOException e) {
        throw new AssertionError("the quickstart's port " + port + " is in use on 127.0.0.1", e);
      }
    }
    Path moto =
        PeerBinaries.fromSystemProperties()
            .projectLocal(
                "venv/bin/moto_server",
                "python3 -m venv .peers/venv && .peers/venv/bin/pip install 'moto[server]>=5,<6'");
    String script = script(root.resolve("docs/quickstart.md"));
    assertThat(script).contains("kill -9", "tandem switchover", "tandem sim-pbx");
    Path file = home.resolve("quickstart.sh");
    Files.writeString(file, script);
    Path out = home.resolve("quickstart.out");
    ProcessBuilder pb =
        new ProcessBuilder("setsid", "bash", "-euo", "pipefail", "-x", file.toString())
            .directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    pb.environment().put("HOME", home.toString());
    pb.environment()
        .put(
            "PATH",
            root.resolve("packaging/bin")
                + ":"
                + moto.getParent()
                + ":"
                + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    pb.environment().keySet().removeIf(k -> k.startsWith("TANDEM_") || k.startsWith("AWS_"));
    Process p = pb.start();
    boolean ended;
    try {
      ended = p.waitFor(10, TimeUnit.MINUTES);
    } finally {
      // the script's session: the agents, witness, simulators and moto it started in the background
      new ProcessBuilder("kill", "-KILL", "--", "-" + p.pid())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(10, TimeUnit.SECONDS);
      p.descendants().forEach(ProcessHandle::destroyForcibly);
    }
    String printed = Files.readString(out, StandardCharsets.UTF_8);
    System.out.println(printed);
    Path dir = home.resolve("tandem-quickstart");
    for (String log : new String[] {"alpha.log", "beta.log", "witness.log"}) {
      if (Files.exists(dir.resolve(log))) {
        String text = Files.readString(dir.resolve(log));
        System.out.println(
            "---- "
                + log
                + " (last 4000 characters)\n"
                + text.substring(Math.max(0, text.length() - 4000)));
      }
    }
    assertThat(ended).as("the quickstart ended within 10 minutes").isTrue();
    assertThat(p.exitValue()).as("exit status of the quickstart's commands").isZero();
    assertThat(printed)
        .contains("valid")
        .containsPattern("alpha\\s+onprem\\s+UNREACHABLE\\s+last seen ACTIVE \\d+ s ago")
        .containsPattern("(?m)^active  beta")
        .contains("switchover to alpha requested")
        .containsPattern("Readiness of beta:");
  }
}
