package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import java.util.Locale;

/**
 * Kind {@code cpu-load}: the 1-minute load average from {@code /proc/loadavg} divided by the number
 * of CPUs in {@code /proc/cpuinfo}. A load per CPU above 1 means runnable work waits; media and SIP
 * timers suffer long before 100 % CPU shows in averages.
 */
public final class CpuLoadSensor extends BaseSensor {

  private final Thresholds thresholds;

  public CpuLoadSensor(SensorSpec spec, SensorContext context, Thresholds thresholds) {
    super(spec, context);
    this.thresholds = thresholds;
  }

  @Override
  protected SensorReading measure() {
    double load1 = Double.parseDouble(text("proc/loadavg").split("\\s+")[0]);
    long cpus =
        Math.max(1, lines("proc/cpuinfo").stream().filter(l -> l.startsWith("processor")).count());
    double perCpu = load1 / cpus;
    return reading(
        thresholds.judge(perCpu),
        perCpu,
        "load/cpu",
        String.format(Locale.ROOT, "load %.2f on %d CPUs (%.2f per CPU)", load1, cpus, perCpu));
  }
}
