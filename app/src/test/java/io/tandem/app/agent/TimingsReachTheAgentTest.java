package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.SensorConfig;
import io.tandem.core.config.Timings;
import io.tandem.core.health.SensorState;
import java.lang.reflect.RecordComponent;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12.14: one home for timings. Every field of {@code timings:} in the cluster file, set to a
 * value other than its default, reaches the agent that {@code tandem agent} assembles: the decision
 * loop's clocks through its {@code AgentSettings}, the sensor defaults through the health monitor.
 * A field added to {@link Timings} fails this test until it is listed here (and wired).
 */
class TimingsReachTheAgentTest {

  /** Every timing, not at its default, together still valid. */
  static final Map<String, String> SET =
      new LinkedHashMap<>(
          Map.ofEntries(
              Map.entry("tick", "400ms"),
              Map.entry("ticketTtl", "7s"),
              Map.entry("renewInterval", "2s"),
              Map.entry("witnessGrace", "1500ms"),
              Map.entry("driftMargin", "250ms"),
              Map.entry("retryTimeout", "900ms"),
              Map.entry("fenceLead", "600ms"),
              Map.entry("peerReportTimeout", "1700ms"),
              Map.entry("startupHold", "9s"),
              Map.entry("fall", "4"),
              Map.entry("rise", "3"),
              Map.entry("sensorInterval", "3s"),
              Map.entry("sensorTimeout", "1200ms")));

  @TempDir Path dir;

  @Test
  void everyTimingReachesTheAssembledAgent() throws Exception {
    Set<String> fields =
        Arrays.stream(Timings.class.getRecordComponents())
            .map(RecordComponent::getName)
            .collect(Collectors.toSet());
    assertThat(SET.keySet()).as("every Timings field is set here").isEqualTo(fields);

    String example =
        Files.readString(
            Path.of("..").toAbsolutePath().normalize().resolve("docs/examples/loopback.yaml"));
    String timings =
        SET.entrySet().stream()
            .map(e -> "  " + e.getKey() + ": " + e.getValue())
            .collect(Collectors.joining("\n", "timings:\n", "\n"));
    Path config = dir.resolve("cluster.yaml");
    Files.writeString(config, example.substring(0, example.indexOf("timings:")) + timings);
    SecretResolver env =
        SecretResolver.of(
            Map.of(
                "AMI_SECRET", "ami-pw",
                "TANDEM_TSIG_SECRET", "c2VjcmV0LXRzaWcta2V5LWZvci10ZXN0cw==",
                "CARRIER_PASSWORD", "carrier-password",
                "TANDEM_WITNESS_SECRET_ALPHA", "alpha-witness-secret-0123",
                "TANDEM_WITNESS_SECRET_BETA", "beta-witness-secret-01234"));
    ClusterConfig c =
        new ConfigValidation().validate(config, Optional.of(env)).config().orElseThrow();
    Timings defaults = Timings.defaults();
    for (RecordComponent rc : Timings.class.getRecordComponents()) {
      assertThat(rc.getAccessor().invoke(c.timings()))
          .as("%s is read from the file and differs from its default", rc.getName())
          .isNotEqualTo(rc.getAccessor().invoke(defaults));
    }

    try (AgentAssembly a =
        AgentAssembly.assemble(
            c,
            "alpha",
            new AgentAssembly.Options(
                dir.resolve("alpha"),
                env,
                "peer-secret-0123456789abcdefghijklmnop".getBytes(StandardCharsets.UTF_8),
                "http",
                HttpClient.newHttpClient(),
                Clock.systemUTC(),
                System::nanoTime))) {
      // the decision loop's clocks: the very Timings of the file, read through its accessors
      Timings agent = a.driver().settings().timings();
      for (RecordComponent rc : Timings.class.getRecordComponents()) {
        assertThat(rc.getAccessor().invoke(agent))
            .as("timings.%s reaches the agent", rc.getName())
            .isEqualTo(rc.getAccessor().invoke(c.timings()));
      }
      assertThat(a.driver().settings().fenceLead()).isEqualTo(c.timings().fenceLead());
      assertThat(a.driver().settings().peerReportTimeout())
          .isEqualTo(c.timings().peerReportTimeout());
      assertThat(a.driver().settings().startupHold()).isEqualTo(c.timings().startupHold());
      assertThat(a.driver().loop().settings()).isSameAs(a.driver().settings());

      // the sensor defaults: a sensor that names none gets them, in the running monitor too
      SensorConfig ami =
          c.sites().getFirst().sensors().stream()
              .filter(s -> s.name().equals("ami-ping"))
              .findFirst()
              .orElseThrow();
      assertThat(ami.fall()).isEqualTo(4);
      assertThat(ami.rise()).isEqualTo(3);
      SensorState running =
          a.health().snapshot().sensors().stream()
              .filter(s -> s.spec().name().equals("ami-ping"))
              .findFirst()
              .orElseThrow();
      assertThat(running.spec().interval()).isEqualTo(c.timings().sensorInterval());
      assertThat(running.spec().timeout()).isEqualTo(c.timings().sensorTimeout());
    }
  }
}
