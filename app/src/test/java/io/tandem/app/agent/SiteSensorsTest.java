package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tandem.core.health.HealthSensor;
import io.tandem.core.health.SensorSpec;
import io.tandem.onprem.ami.AmiPbxControl;
import io.tandem.onprem.ami.AmiSettings;
import io.tandem.onprem.pbx.PbxSensors;
import io.tandem.sim.net.TcpFaultProxy;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class SiteSensorsTest {

  private static final Pattern KIND = Pattern.compile("`([a-z0-9-]+)`");

  /** Kinds named in docs/sensors.md's tables (first column, and the PBX aliases column). */
  static Set<String> documentedKinds() throws IOException {
    Path root = Path.of(System.getProperty("tandem.projectRoot", ".."));
    List<String> lines = Files.readAllLines(root.resolve("docs/sensors.md"));
    Set<String> kinds = new TreeSet<>();
    boolean controllers = false;
    boolean aliases = false;
    for (String line : lines) {
      if (line.startsWith("## ")) {
        controllers = line.startsWith("## Controllers");
      }
      if (line.startsWith("| kind |")) {
        aliases = line.split("\\|")[2].trim().equals("aliases");
        continue;
      }
      if (controllers || !line.startsWith("| `")) {
        continue;
      }
      String[] cells = line.split("\\|");
      for (int c = 1; c <= (aliases ? 2 : 1); c++) {
        Matcher m = KIND.matcher(cells[c]);
        while (m.find()) {
          kinds.add(m.group(1));
        }
      }
    }
    return kinds;
  }

  @Test
  void theDocumentedKindsAreExactlyTheKindsTheAgentBuilds() throws IOException {
    assertThat(documentedKinds()).containsExactlyElementsOf(SiteSensors.kinds());
    assertThat(SiteSensors.kinds())
        .contains(
            "ami-login",
            "ami-core-status",
            "ami-ping",
            "esl-login",
            "esl-core-status",
            "esl-ping",
            "endpoint-reachability",
            "pbx-core-status");
  }

  /**
   * The agent's PBX sessions log one line per change of state: a PBX that is down, flapping or
   * refusing the secret never becomes a stream of warnings, and nothing reaches the log as an ERROR
   * with a stack (asterisk-java's reconnect loop, property warnings and late-reply NPEs are gone
   * with it).
   */
  @Nested
  class QuietLogs {

    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    private final PbxModel model = new PbxModel("20.5.0").addCall("PJSIP/a-1", "PJSIP/b-2");
    private final PbxFaults faults = new PbxFaults();
    private AmiServer server = new AmiServer(model, faults, "tandem", "pw");
    private final TcpFaultProxy proxy = new TcpFaultProxy(server.host(), server.port());

    @BeforeEach
    void capture() {
      captured.start();
      root.addAppender(captured);
    }

    @AfterEach
    void release() {
      root.detachAppender(captured);
      proxy.close();
      server.close();
    }

    private AmiSettings settings(String secret) {
      return AmiSettings.of(
          AmiSettings.builder()
              .host(proxy.host())
              .port(proxy.port())
              .user("tandem")
              .secret(secret)
              .timeout(Duration.ofMillis(1500))
              .keepAlive(Duration.ofMillis(100))
              .build());
    }

    private List<String> lines(Level atLeast) {
      return captured.list.stream()
          .filter(e -> e.getLevel().isGreaterOrEqual(atLeast))
          .map(e -> e.getLevel() + " " + e.getFormattedMessage())
          .toList();
    }

    @Test
    void aPbxThatGoesDownAndComesBackIsTwoOrThreeLinesNotAStream() {
      try (AmiPbxControl ami = new AmiPbxControl(settings("pw"))) {
        HealthSensor core =
            new PbxSensors(ami, Clock.systemUTC())
                .create(
                    new SensorSpec(
                        "core",
                        "ami-core-status",
                        true,
                        1,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(1)),
                    Map.of());
        await().atMost(Duration.ofSeconds(5)).until(() -> core.read().status().good());

        server.close(); // Asterisk dies
        proxy.cut();
        int before = proxy.accepted();
        // at least 15 reconnect attempts (every 100 ms) while it is down, with readings between
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> {
                  core.read();
                  return proxy.accepted() >= before + 15;
                });

        server = new AmiServer(model, faults, "tandem", "pw"); // it comes back
        proxy.retarget(server.host(), server.port());
        await().atMost(Duration.ofSeconds(5)).until(() -> core.read().status().good());
      }

      List<String> info = lines(Level.INFO);
      assertThat(info).filteredOn(l -> l.startsWith("WARN")).hasSizeBetween(1, 2);
      assertThat(info.get(0)).startsWith("INFO Asterisk at ").endsWith(": connected as tandem");
      assertThat(info.get(info.size() - 1))
          .startsWith("INFO Asterisk at ")
          .contains(": connected as tandem again after ");
      assertThat(info).hasSizeBetween(3, 4);
      assertThat(captured.list).noneMatch(e -> e.getThrowableProxy() != null);
    }

    @Test
    void aWrongSecretIsOneWarningWhateverTheReadings() {
      try (AmiPbxControl bad = new AmiPbxControl(settings("guess"))) {
        PbxSensors sensors = new PbxSensors(bad, Clock.systemUTC());
        HealthSensor ping =
            sensors.create(
                new SensorSpec(
                    "ping", "ami-ping", true, 1, Duration.ofSeconds(2), Duration.ofSeconds(1)),
                Map.of());
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> ping.read().detail().contains("login refused for user tandem"));
        for (int i = 0; i < 10; i++) {
          ping.read();
        }
      }
      assertThat(lines(Level.WARN))
          .singleElement()
          .asString()
          .startsWith("WARN AMI login refused for user tandem at Asterisk at ")
          .contains("\"Authentication failed\"")
          .endsWith("no new login for 2.5 min (fail2ban-safe)")
          .doesNotContain("guess");
      assertThat(server.failedLogins()).isEqualTo(1);
    }

    @Test
    void slowAndLateAnswersAreReportedToTheCallerNotLogged() {
      try (AmiPbxControl ami = new AmiPbxControl(settings("pw"))) {
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> ami.status().up());
        faults.answerDelay(Duration.ofMillis(700)); // answers arrive after the 300 ms budget
        for (int i = 0; i < 3; i++) {
          try {
            ami.core(Duration.ofMillis(300));
          } catch (RuntimeException expected) {
            // either this request waited too long, or a keep-alive ping (also slow) held the
            // session
            assertThat(expected.getMessage()).containsAnyOf("did not answer", "has been pinging");
          }
        }
        faults.reset();
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> ami.status().up());
      }
      assertThat(lines(Level.ERROR)).isEmpty();
      assertThat(captured.list).noneMatch(e -> e.getThrowableProxy() != null);
      assertThat(lines(Level.WARN)).hasSizeLessThanOrEqualTo(1);
    }
  }
}
