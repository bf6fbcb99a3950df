package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Kind {@code port-listening}: a socket is bound to the port ({@code 5060} by default) in {@code
 * /proc/net/udp[6]} (state 07, unconnected) and/or listening in {@code /proc/net/tcp[6]} (state 0A,
 * LISTEN).
 */
public final class PortListeningSensor extends BaseSensor {

  /** Which transports must be bound. */
  public enum Transport {
    UDP,
    TCP,
    BOTH
  }

  private final int port;
  private final Transport transport;

  public PortListeningSensor(
      SensorSpec spec, SensorContext context, int port, Transport transport) {
    super(spec, context);
    this.port = port;
    this.transport = transport;
  }

  @Override
  protected SensorReading measure() {
    List<String> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    if (transport != Transport.TCP) {
      (bound("udp", "07") ? found : missing).add("udp");
    }
    if (transport != Transport.UDP) {
      (bound("tcp", "0A") ? found : missing).add("tcp");
    }
    boolean ok = missing.isEmpty();
    return reading(
        ok ? SensorStatus.OK : SensorStatus.FAIL,
        found.size(),
        "sockets",
        ok ? "port " + port + " bound on " + found : "nothing on port " + port + "/" + missing);
  }

  private boolean bound(String table, String state) {
    String hexPort = String.format(":%04X", port);
    for (String file : List.of("proc/net/" + table, "proc/net/" + table + "6")) {
      if (!Files.exists(context.path(file))) {
        continue;
      }
      try {
        for (String line : lines(file)) {
          String[] f = line.strip().split("\\s+");
          if (f.length > 3
              && f[1].toUpperCase().endsWith(hexPort)
              && f[3].equalsIgnoreCase(state)) {
            return true;
          }
        }
      } catch (UncheckedIOException e) {
        // the table vanished (no IPv6): try the next one
      }
    }
    return false;
  }
}
