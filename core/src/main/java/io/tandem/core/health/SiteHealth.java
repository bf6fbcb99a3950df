package io.tandem.core.health;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An immutable snapshot of a site's health, as the decision loop reads it once per tick.
 *
 * @param site site name
 * @param healthy the verdict: no critical sensor down and the weighted score at or above the
 *     threshold
 * @param passing sensors up (after hysteresis)
 * @param total sensors configured
 * @param sensors per-sensor detail
 * @param summary a short sentence, e.g. {@code "healthy 25/25"} or {@code "unhealthy: critical
 *     sip-options-local down (timeout after 2 s)"}
 * @param at when the snapshot was taken
 * @param score the weighted share of non-critical sensors up, in percent (100 with none)
 * @param level {@link HealthLevel#FAIL} when not healthy, {@link HealthLevel#WARN} when healthy but
 *     the score is below the warning level, else {@link HealthLevel#OK}
 */
public record SiteHealth(
    String site,
    boolean healthy,
    int passing,
    int total,
    List<SensorState> sensors,
    String summary,
    Instant at,
    int score,
    HealthLevel level) {

  public SiteHealth {
    Objects.requireNonNull(site, "site");
    sensors = List.copyOf(sensors);
    Objects.requireNonNull(summary, "summary");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(level, "level");
    if (!healthy && level != HealthLevel.FAIL) {
      throw new IllegalArgumentException("an unhealthy site's level is FAIL, was " + level);
    }
  }

  /** A snapshot with two levels only: OK when healthy, else FAIL. */
  public SiteHealth(
      String site,
      boolean healthy,
      int passing,
      int total,
      List<SensorState> sensors,
      String summary,
      Instant at) {
    this(
        site,
        healthy,
        passing,
        total,
        sensors,
        summary,
        at,
        healthy ? 100 : 0,
        healthy ? HealthLevel.OK : HealthLevel.FAIL);
  }

  /** A snapshot with no sensors, e.g. for simulations and tests. */
  public static SiteHealth of(String site, boolean healthy, Instant at) {
    return new SiteHealth(
        site, healthy, healthy ? 1 : 0, 1, List.of(), healthy ? "healthy" : "unhealthy", at);
  }
}
