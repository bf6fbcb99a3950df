package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.util.Optional;

/**
 * Kind {@code default-route}: an IPv4 default route (destination and mask 0, flags UP|GATEWAY) is
 * present in {@code /proc/net/route}, optionally through a given interface.
 */
public final class DefaultRouteSensor extends BaseSensor {

  private static final int RTF_UP = 0x1;
  private static final int RTF_GATEWAY = 0x2;
  private final Optional<String> nic;

  public DefaultRouteSensor(SensorSpec spec, SensorContext context, Optional<String> nic) {
    super(spec, context);
    this.nic = nic;
  }

  @Override
  protected SensorReading measure() {
    for (String line : lines("proc/net/route")) {
      String[] f = line.strip().split("\\s+");
      if (f.length < 8 || f[0].equals("Iface")) {
        continue;
      }
      int flags = Integer.parseInt(f[3], 16);
      boolean isDefault = f[1].equals("00000000") && f[7].equals("00000000");
      if (isDefault
          && (flags & RTF_UP) != 0
          && (flags & RTF_GATEWAY) != 0
          && nic.map(n -> n.equals(f[0])).orElse(true)) {
        return reading(SensorStatus.OK, 1, "", "default via " + gateway(f[2]) + " dev " + f[0]);
      }
    }
    return reading(
        SensorStatus.FAIL, 0, "", "no default route" + nic.map(n -> " via " + n).orElse(""));
  }

  /** {@code /proc/net/route} prints the gateway as little-endian hex. */
  static String gateway(String hex) {
    long v = Long.parseLong(hex, 16);
    return (v & 0xff)
        + "."
        + ((v >> 8) & 0xff)
        + "."
        + ((v >> 16) & 0xff)
        + "."
        + ((v >> 24) & 0xff);
  }
}
