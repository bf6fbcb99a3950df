package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Kind {@code disk-space}: percent used of each configured mount point, or of every real (non
 * virtual) file system in {@code /proc/mounts} when none is configured; the reading is the fullest
 * one. A full disk stops recordings, voicemail, CDRs and the database.
 */
public final class DiskSpaceSensor extends BaseSensor {

  private final List<String> mountPoints;
  private final Thresholds thresholds;

  /**
   * @param mountPoints mount points to check; empty means every real file system
   */
  public DiskSpaceSensor(
      SensorSpec spec, SensorContext context, List<String> mountPoints, Thresholds thresholds) {
    super(spec, context);
    this.mountPoints = List.copyOf(mountPoints);
    this.thresholds = thresholds;
  }

  @Override
  protected SensorReading measure() {
    List<String> targets = new ArrayList<>(mountPoints);
    if (targets.isEmpty()) {
      Mounts.parse(lines("proc/mounts")).all().stream()
          .filter(Mounts.Mount::real)
          .map(Mounts.Mount::mountPoint)
          .distinct()
          .forEach(targets::add);
    }
    if (targets.isEmpty()) {
      return reading(SensorStatus.FAIL, Double.NaN, "%", "no file system to check");
    }
    double worst = -1;
    String worstAt = "";
    for (String mount : targets) {
      SensorContext.Space s;
      try {
        s = context.space().of(context.path(mount));
      } catch (IOException e) {
        return reading(
            SensorStatus.FAIL, Double.NaN, "%", "cannot stat " + mount + ": " + e.getMessage());
      }
      double used = s.total() <= 0 ? 0 : 100.0 * (s.total() - s.usable()) / s.total();
      if (used > worst) {
        worst = used;
        worstAt = mount;
      }
    }
    return reading(
        thresholds.judge(worst),
        worst,
        "%",
        String.format(
            Locale.ROOT, "%s %.1f %% used (fullest of %d)", worstAt, worst, targets.size()));
  }
}
