package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.util.Locale;

/**
 * Kind {@code swap}: percent of swap in use ({@code SwapTotal}, {@code SwapFree} in {@code
 * /proc/meminfo}). A PBX that swaps drops audio; a host without swap reads OK.
 */
public final class SwapSensor extends BaseSensor {

  private final Thresholds thresholds;

  public SwapSensor(SensorSpec spec, SensorContext context, Thresholds thresholds) {
    super(spec, context);
    this.thresholds = thresholds;
  }

  @Override
  protected SensorReading measure() {
    MemInfo m = MemInfo.parse(lines("proc/meminfo"));
    long total = m.get("SwapTotal");
    if (total == 0) {
      return reading(SensorStatus.OK, 0, "%", "no swap configured");
    }
    double used = 100.0 * (total - m.get("SwapFree")) / total;
    return reading(
        thresholds.judge(used),
        used,
        "%",
        String.format(Locale.ROOT, "%.1f %% of %d MiB swap used", used, total / 1024));
  }
}
