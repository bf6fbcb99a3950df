package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Kind {@code voip-address}: the configured VoIP address is assigned to this host (to the given
 * interface, if one is configured). On the active host of a site with a VIP it tells whether the
 * service address is up here.
 */
public final class VoipAddressSensor extends BaseSensor {

  private final InetAddress address;
  private final Optional<String> nic;

  public VoipAddressSensor(
      SensorSpec spec, SensorContext context, InetAddress address, Optional<String> nic) {
    super(spec, context);
    this.address = address;
    this.nic = nic;
  }

  @Override
  protected SensorReading measure() {
    Map<String, List<InetAddress>> all;
    try {
      all = context.interfaces().list();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Map.Entry<String, List<InetAddress>> e : all.entrySet()) {
      if (nic.map(n -> n.equals(e.getKey())).orElse(true) && e.getValue().contains(address)) {
        return reading(SensorStatus.OK, 1, "", address.getHostAddress() + " on " + e.getKey());
      }
    }
    return reading(
        SensorStatus.FAIL,
        0,
        "",
        address.getHostAddress() + " not assigned" + nic.map(n -> " to " + n).orElse(""));
  }
}
