package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * Kind {@code read-only-fs}: fails when a configured mount point is mounted read-only in {@code
 * /proc/mounts}. The kernel remounts a file system read-only after I/O errors; the PBX then keeps
 * running but cannot write anything.
 */
public final class ReadOnlyFsSensor extends BaseSensor {

  private final List<String> mountPoints;

  public ReadOnlyFsSensor(SensorSpec spec, SensorContext context, List<String> mountPoints) {
    super(spec, context);
    this.mountPoints = List.copyOf(mountPoints);
  }

  @Override
  protected SensorReading measure() {
    Mounts mounts = Mounts.parse(lines("proc/mounts"));
    List<String> readOnly = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String mp : mountPoints) {
      mounts
          .at(mp)
          .ifPresentOrElse(
              m -> {
                if (m.readOnly()) {
                  readOnly.add(mp);
                }
              },
              () -> missing.add(mp));
    }
    if (!missing.isEmpty()) {
      return reading(SensorStatus.FAIL, readOnly.size(), "mounts", "not mounted: " + missing);
    }
    if (!readOnly.isEmpty()) {
      return reading(SensorStatus.FAIL, readOnly.size(), "mounts", "read-only: " + readOnly);
    }
    return reading(SensorStatus.OK, 0, "mounts", "writable: " + mountPoints);
  }
}
