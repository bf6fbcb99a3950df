package io.tandem.onprem.sensor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What host sensors read the machine through, so tests can feed fixtures: the file-system root
 * under which {@code /proc} and {@code /sys} are found, the clocks, the free-space probe and the
 * interface address list.
 *
 * @param root file-system root; {@code /} in production, a temporary directory in tests
 * @param clock wall clock for reading timestamps and SNTP
 * @param nanoTicker monotonic nanoseconds for round-trip times
 * @param space free-space probe for a mount point
 * @param interfaces addresses per network interface
 */
public record SensorContext(
    Path root,
    Clock clock,
    LongSupplier nanoTicker,
    SpaceProbe space,
    InterfaceAddresses interfaces) {

  public SensorContext {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(nanoTicker, "nanoTicker");
    Objects.requireNonNull(space, "space");
    Objects.requireNonNull(interfaces, "interfaces");
  }

  /** The real machine. */
  public static SensorContext system() {
    return new SensorContext(
        Path.of("/"),
        Clock.systemUTC(),
        System::nanoTime,
        SensorContext::fileStoreSpace,
        SensorContext::javaInterfaces);
  }

  /** A path such as {@code proc/meminfo} under {@link #root()}. */
  public Path path(String relative) {
    return root.resolve(relative.startsWith("/") ? relative.substring(1) : relative);
  }

  /** Total and usable bytes of the file system mounted at a path. */
  @FunctionalInterface
  public interface SpaceProbe {
    Space of(Path mountPoint) throws IOException;
  }

  /** Sizes in bytes. */
  public record Space(long total, long usable) {}

  /** Addresses per interface name. */
  @FunctionalInterface
  public interface InterfaceAddresses {
    Map<String, List<InetAddress>> list() throws IOException;
  }

  private static Space fileStoreSpace(Path mountPoint) throws IOException {
    FileStore store = Files.getFileStore(mountPoint);
    return new Space(store.getTotalSpace(), store.getUsableSpace());
  }

  private static Map<String, List<InetAddress>> javaInterfaces() throws SocketException {
    Map<String, List<InetAddress>> out = new LinkedHashMap<>();
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      out.put(nic.getName(), Collections.list(nic.getInetAddresses()));
    }
    return out;
  }
}
