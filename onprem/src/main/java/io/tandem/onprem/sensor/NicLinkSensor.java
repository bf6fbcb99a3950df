package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.nio.file.Files;

/**
 * Kind {@code nic-link}: the interface's {@code /sys/class/net/<if>/operstate} is {@code up} and
 * {@code carrier} is {@code 1} (cable in, peer port up).
 */
public final class NicLinkSensor extends BaseSensor {

  private final String nic;

  public NicLinkSensor(SensorSpec spec, SensorContext context, String nic) {
    super(spec, context);
    this.nic = nic;
  }

  @Override
  protected SensorReading measure() {
    String dir = "sys/class/net/" + nic + "/";
    if (!Files.isDirectory(context.path(dir))) {
      return reading(SensorStatus.FAIL, 0, "", "no interface " + nic);
    }
    String oper = text(dir + "operstate");
    String carrier;
    try {
      carrier = text(dir + "carrier");
    } catch (RuntimeException e) {
      carrier = "0"; // reading carrier of a down interface fails with EINVAL
    }
    boolean up = (oper.equals("up") || oper.equals("unknown")) && carrier.equals("1");
    return reading(
        up ? SensorStatus.OK : SensorStatus.FAIL,
        up ? 1 : 0,
        "",
        nic + " operstate " + oper + ", carrier " + carrier);
  }
}
