package io.tandem.app.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.sim.peer.internal.PeerBinaries;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
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
 * packaging/bin/tandem} (this build's jar) and the testkit's moto and Kamailio on the {@code PATH}:
 * a witness, two agents, two {@code tandem sim-pbx} and a Kamailio registrar as separate processes,
 * a {@code kill -9} failover and a failback. The carrier trunk must move with the service: the
 * contacts the registrar holds ({@code kamcmd ul.dump}, printed by the page's {@code registered})
 * are alpha's alone, then beta's alone after the failover, then alpha's alone after the failback. A
 * block preceded by {@code <!-- not run by QuickstartIT: why -->} is skipped (the install step: the
 * testkit installed moto); the test prints each skipped block with its reason. Bounded: the
 * script's session is killed after 10 minutes and at the end, whatever happened.
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
    for (int port : new int[] {17443, 17481, 17482, 17500, 17538, 17539, 17571}) {
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        assertThat(s.getLocalPort()).isEqualTo(port);
      } catch (IOException e) {
        throw new AssertionError("the quickstart's port " + port + " is in use on 127.0.0.1", e);
      }
    }
    for (int port : new int[] {17560, 17562, 17570}) {
      try (DatagramSocket s = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
        assertThat(s.getLocalPort()).isEqualTo(port);
      } catch (IOException e) {
        throw new AssertionError("the quickstart's UDP port " + port + " is in use", e);
      }
    }
    Path kamailio = PeerBinaries.fromSystemProperties().system("kamailio", "kamailio");
    Path moto =
        PeerBinaries.fromSystemProperties()
            .projectLocal(
                "venv/bin/moto_server",
                "python3 -m venv .peers/venv && .peers/venv/bin/pip install 'moto[server]>=5,<6'");
    String script = script(root.resolve("docs/quickstart.md"));
    assertThat(script)
        .contains("kill -9", "tandem switchover", "tandem sim-pbx", "kamailio -f", "kamcmd");
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
                + kamailio.getParent()
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
    for (String log : new String[] {"alpha.log", "beta.log", "witness.log", "kamailio.log"}) {
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
    assertThat(registrations(printed))
        .as("the trunk's only contact at the registrar after start, failover and failback")
        .containsExactly(ALPHA_CONTACT, BETA_CONTACT, ALPHA_CONTACT);
  }

  static final String ALPHA_CONTACT = "sip:quickstart@127.0.0.1:17560";
  static final String BETA_CONTACT = "sip:quickstart@127.0.0.1:17562";

  /**
   * The lines {@code registered} printed, in order (one contact a line; {@code bash -x} traces
   * start with {@code +}).
   */
  static List<String> registrations(String printed) {
    List<String> seen = new ArrayList<>();
    for (String line : printed.split("\\R")) {
      if (line.matches("sip:\\S+@\\S+")) {
        seen.add(line);
      }
    }
    return seen;
  }
}
