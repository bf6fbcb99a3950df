package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import java.util.Locale;

/**
 * Kind {@code memory}: percent of memory in use, {@code 100 * (1 - MemAvailable / MemTotal)} from
 * {@code /proc/meminfo} (MemAvailable counts reclaimable cache as free, as the kernel estimates
 * it).
 */
public final class MemorySensor extends BaseSensor {

  private final Thresholds thresholds;

  public MemorySensor(SensorSpec spec, SensorContext context, Thresholds thresholds) {
    super(spec, context);
    this.thresholds = thresholds;
  }

  @Override
  protected SensorReading measure() {
    MemInfo m = MemInfo.parse(lines("proc/meminfo"));
    long total = m.get("MemTotal");
    long available = m.get("MemAvailable");
    double used = total == 0 ? 0 : 100.0 * (total - available) / total;
    return reading(
        thresholds.judge(used),
        used,
        "%",
        String.format(
            Locale.ROOT,
            "%.1f %% used, %d MiB available of %d MiB",
            used,
            available / 1024,
            total / 1024));
  }
}
