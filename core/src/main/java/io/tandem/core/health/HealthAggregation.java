package io.tandem.core.health;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns per-sensor states (after hysteresis) into a site verdict: a critical sensor that is down
 * vetoes; otherwise the weighted share of non-critical sensors that are up must reach the
 * threshold. With no weighted sensors the score is 100 %. A healthy site whose score is below the
 * warning level is {@link HealthLevel#WARN}: degraded, reported, not failed over. Pure;
 * thread-safe.
 */
public final class HealthAggregation {

  private HealthAggregation() {}

  /**
   * @param site site name
   * @param sensors every sensor's state
   * @param minimumPercent weighted score (0..100) needed to be healthy
   * @param at timestamp of the snapshot
   */
  public static SiteHealth aggregate(
      String site, List<SensorState> sensors, int minimumPercent, Instant at) {
    return aggregate(site, sensors, minimumPercent, 0, at);
  }

  /**
   * @param site site name
   * @param sensors every sensor's state
   * @param minimumPercent weighted score (0..100) needed to be healthy
   * @param warningPercent weighted score (0..100) below which a healthy site is {@link
   *     HealthLevel#WARN}; 0 for no warning level
   * @param at timestamp of the snapshot
   */
  public static SiteHealth aggregate(
      String site, List<SensorState> sensors, int minimumPercent, int warningPercent, Instant at) {
    List<String> criticalDown = new ArrayList<>();
    List<String> down = new ArrayList<>();
    long weightTotal = 0;
    long weightUp = 0;
    int passing = 0;
    for (SensorState s : sensors) {
      if (s.up()) {
        passing++;
      } else {
        (s.spec().critical() ? criticalDown : down).add(describe(s));
      }
      if (!s.spec().critical()) {
        weightTotal += s.spec().weight();
        weightUp += s.up() ? s.spec().weight() : 0;
      }
    }
    // Integer percent, rounded down, so 74.9 % never passes a 75 % threshold.
    int score = weightTotal == 0 ? 100 : (int) (weightUp * 100 / weightTotal);
    boolean healthy = criticalDown.isEmpty() && score >= minimumPercent;
    String counts = passing + "/" + sensors.size();
    String summary;
    if (!criticalDown.isEmpty()) {
      summary = "unhealthy: critical " + String.join(", ", criticalDown) + " down";
      if (!down.isEmpty()) {
        summary += "; also down: " + String.join(", ", down);
      }
    } else if (!healthy) {
      summary =
          "unhealthy: score "
              + score
              + "% < "
              + minimumPercent
              + "% (down: "
              + String.join(", ", down)
              + ")";
    } else if (score < warningPercent) {
      summary =
          "degraded "
              + counts
              + ": score "
              + score
              + "% < warning level "
              + warningPercent
              + "% (down: "
              + String.join(", ", down)
              + ")";
    } else if (down.isEmpty()) {
      summary = "healthy " + counts;
    } else {
      summary =
          "healthy " + counts + " (score " + score + "%, down: " + String.join(", ", down) + ")";
    }
    HealthLevel level =
        !healthy ? HealthLevel.FAIL : score < warningPercent ? HealthLevel.WARN : HealthLevel.OK;
    return new SiteHealth(
        site, healthy, passing, sensors.size(), sensors, summary, at, score, level);
  }

  private static String describe(SensorState s) {
    return s.spec().name() + " (" + s.last().detail() + ")";
  }
}
