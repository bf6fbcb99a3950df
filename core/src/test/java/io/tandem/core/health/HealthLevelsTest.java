package io.tandem.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.config.ClusterConfigLoader;
import io.tandem.core.config.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18.5: two levels of health. Below the warning level a healthy site is WARN (reported, no
 * failover: {@code healthy} stays true); below the failing level it FAILs.
 */
class HealthLevelsTest {

  static final Instant T0 = Instant.parse("2026-12-07T05:00:00Z");

  /** Ten weighted sensors of weight 1, {@code down} of them down, one critical sensor up. */
  static List<SensorState> sensors(int down) {
    List<SensorState> out = new ArrayList<>();
    out.add(state("ami", true, true));
    for (int i = 0; i < 10; i++) {
      out.add(state("check-" + i, false, i >= down));
    }
    return out;
  }

  static SensorState state(String name, boolean critical, boolean up) {
    var spec =
        new SensorSpec(name, "command", critical, 1, Duration.ofSeconds(1), Duration.ofSeconds(1));
    var reading =
        new SensorReading(up ? SensorStatus.OK : SensorStatus.FAIL, 0, "", up ? "ok" : "bad", T0);
    return new SensorState(spec, reading, up, up ? 1 : 0, up ? 0 : 1);
  }

  @Test
  void betweenTheLevelsASiteIsDegradedButStillHealthy() {
    SiteHealth ok = HealthAggregation.aggregate("a", sensors(1), 75, 90, T0);
    assertThat(ok.level()).isEqualTo(HealthLevel.OK);
    assertThat(ok.score()).isEqualTo(90);

    SiteHealth warn = HealthAggregation.aggregate("a", sensors(2), 75, 90, T0);
    assertThat(warn.healthy()).isTrue();
    assertThat(warn.level()).isEqualTo(HealthLevel.WARN);
    assertThat(warn.summary()).startsWith("degraded 9/11: score 80% < warning level 90%");

    SiteHealth fail = HealthAggregation.aggregate("a", sensors(3), 75, 90, T0);
    assertThat(fail.healthy()).isFalse();
    assertThat(fail.level()).isEqualTo(HealthLevel.FAIL);
    assertThat(fail.summary()).startsWith("unhealthy: score 70% < 75%");

    // without a warning level (0) there are two levels only
    assertThat(HealthAggregation.aggregate("a", sensors(2), 75, 0, T0).level())
        .isEqualTo(HealthLevel.OK);
  }

  @Test
  void aCriticalSensorDownFailsWhateverTheScore() {
    List<SensorState> s = new ArrayList<>(sensors(0));
    s.set(0, state("ami", true, false));
    assertThat(HealthAggregation.aggregate("a", s, 75, 90, T0).level()).isEqualTo(HealthLevel.FAIL);
  }

  @Test
  void theWarningLevelIsValidatedWithItsPlaceInTheFile() throws Exception {
    String base =
        Files.readString(Path.of("..").resolve("docs/examples/loopback.yaml").normalize());
    var loader = new ClusterConfigLoader();
    assertThat(loader.parse(base, "loopback.yaml").policies().warningHealthPercent()).isEqualTo(90);
    String tooLow = base + "\npolicies:\n  minimumHealthPercent: 80\n  warningHealthPercent: 60\n";
    assertThatThrownBy(() -> loader.parse(tooLow, "c.yaml"))
        .isInstanceOfSatisfying(
            InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .singleElement()
                    .satisfies(
                        p ->
                            assertThat(p.format())
                                .matches(
                                    "c\\.yaml:\\d+:\\d+: policies\\.warningHealthPercent: expected"
                                        + " at least minimumHealthPercent \\(80\\).*60")));
    String high = base + "\npolicies:\n  minimumHealthPercent: 95\n";
    assertThat(loader.parse(high, "c.yaml").policies().warningHealthPercent()).isEqualTo(95);
  }
}
