package io.tandem.onprem.sensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import io.tandem.core.health.SensorSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SensorCatalogTest {

  @TempDir Path root;

  private SensorCatalog catalog() {
    return SensorCatalog.builtIn(new Fixture(root).context());
  }

  @Test
  void listsTheBuiltInKinds() {
    assertThat(catalog().kinds())
        .contains(
            "cpu-load",
            "memory",
            "swap",
            "disk-space",
            "read-only-fs",
            "open-files",
            "clock-offset",
            "nic-link",
            "voip-address",
            "default-route",
            "dns-resolution",
            "process-alive",
            "port-listening",
            "sync-freshness",
            "db-replication-lag",
            "command",
            "http");
    assertThat(catalog().controllerKinds()).containsExactly("command", "http");
  }

  @Test
  void defaultSpecsComeFromTheKind() {
    SensorSpec s = catalog().defaultSpec("pbx", "process-alive");
    assertThat(s.critical()).isTrue();
    assertThat(s.interval()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void buildsAWorkingSensorFromParams() {
    new Fixture(root).file("proc/meminfo", "MemTotal: 100 kB\nMemAvailable: 80 kB\n");
    var sensor =
        catalog()
            .create(catalog().defaultSpec("mem", "memory"), Map.of("warn", "10", "fail", "30"));
    assertThat(sensor.read().value()).isEqualTo(20.0);
  }

  @Test
  void badConfigurationNamesSensorAndParameter() {
    SensorCatalog c = catalog();
    assertThatThrownBy(() -> c.create(c.defaultSpec("mem", "memory"), Map.of("treshold", "5")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sensor mem")
        .hasMessageContaining("'treshold'");
    assertThatThrownBy(
            () -> c.create(c.defaultSpec("mem", "memory"), Map.of("warn", "90", "fail", "80")))
        .hasMessageContaining("'fail'");
    assertThatThrownBy(
            () -> c.create(c.defaultSpec("sip", "port-listening"), Map.of("port", "70000")))
        .hasMessageContaining("'port'");
    assertThatThrownBy(() -> c.create(c.defaultSpec("nic", "nic-link"), Map.of()))
        .hasMessageContaining("'interface'");
    assertThatThrownBy(
            () ->
                c.create(
                    new SensorSpec(
                        "x", "warp-core", false, 1, Duration.ofSeconds(1), Duration.ofSeconds(1)),
                    Map.of()))
        .hasMessageContaining("unknown kind 'warp-core'");
  }

  @Test
  void paramsParseDurationsAndBooleans() {
    SensorParams p =
        SensorParams.of("s", Map.of("a", "250ms", "b", "5s", "c", "2m", "d", "PT1H", "e", "yes"));
    assertThat(p.duration("a", Duration.ZERO)).isEqualTo(Duration.ofMillis(250));
    assertThat(p.duration("b", Duration.ZERO)).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.duration("c", Duration.ZERO)).isEqualTo(Duration.ofMinutes(2));
    assertThat(p.duration("d", Duration.ZERO)).isEqualTo(Duration.ofHours(1));
    assertThat(p.bool("e", false)).isTrue();
    assertThatThrownBy(() -> SensorParams.of("s", Map.of("t", "soon")).duration("t", Duration.ZERO))
        .hasMessageContaining("'t'");
  }
}
