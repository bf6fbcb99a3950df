package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import java.util.Locale;

/**
 * Kind {@code open-files}: file handles in use as a percent of the system limit, from {@code
 * /proc/sys/fs/file-nr} ({@code allocated unused max}). Exhaustion makes every new SIP/TCP
 * connection and recording fail.
 */
public final class OpenFilesSensor extends BaseSensor {

  private final Thresholds thresholds;

  public OpenFilesSensor(SensorSpec spec, SensorContext context, Thresholds thresholds) {
    super(spec, context);
    this.thresholds = thresholds;
  }

  @Override
  protected SensorReading measure() {
    String[] f = text("proc/sys/fs/file-nr").split("\\s+");
    long allocated = Long.parseLong(f[0]);
    long unused = Long.parseLong(f[1]);
    long max = Long.parseLong(f[2]);
    long inUse = allocated - unused;
    double pct = max <= 0 ? 0 : 100.0 * inUse / max;
    return reading(
        thresholds.judge(pct),
        pct,
        "%",
        String.format(Locale.ROOT, "%d of %d file handles in use (%.2f %%)", inUse, max, pct));
  }
}
