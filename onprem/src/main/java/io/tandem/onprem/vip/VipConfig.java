package io.tandem.onprem.vip;

import io.tandem.core.error.ConfigException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A site's service address and the hosts that may carry it.
 *
 * <p>Immutable; build with {@link #builder()}, which names the field that is wrong.
 *
 * @param address the IPv4 service address on the VoIP network, e.g. {@code 192.0.2.50}
 * @param prefixLength its prefix length on that network
 * @param hosts host name → where to run commands and which interface carries the address
 * @param garpCount gratuitous ARP packets sent after the address is added (one per second)
 * @param commandTimeout bound on each command
 * @param stateFile where the epoch of the last move is recorded (written atomically)
 * @param dadProbes ARP probes sent (one per second) to detect a duplicate before the address is
 *     claimed (RFC 5227 duplicate-address detection); each costs a second of the move (default 1: a
 *     machine that holds the address answers within milliseconds on one segment)
 * @param duplicateProbeWindow how long a duplicate probe from this machine listens ({@link
 *     DuplicateProbe}): at least one round trip across the VoIP network, 50 ms to 1 s (default
 *     {@link #DEFAULT_PROBE_WINDOW}); behind ssh a probe runs its whole {@code dadProbes} seconds
 */
public record VipConfig(
    String address,
    int prefixLength,
    Map<String, VipHost> hosts,
    int garpCount,
    Duration commandTimeout,
    Path stateFile,
    int dadProbes,
    Duration duplicateProbeWindow) {

  /** One host that may carry the address. */
  public record VipHost(HostCommand command, String voipInterface) {
    public VipHost {
      Objects.requireNonNull(command, "command");
      Objects.requireNonNull(voipInterface, "voipInterface");
    }
  }

  public VipConfig {
    Objects.requireNonNull(address, "address");
    hosts = Map.copyOf(hosts);
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    Objects.requireNonNull(stateFile, "stateFile");
    Objects.requireNonNull(duplicateProbeWindow, "duplicateProbeWindow");
  }

  /**
   * How long a duplicate probe from this machine listens unless configured: a VIP moves only
   * between hosts of one location (one L2 network), whose kernels answer an ARP probe within
   * milliseconds; the rest is room for the probe's process to start on a busy host.
   * NetworkManager's {@code ipv4.dad-timeout} defaults to 200 ms, randomised down to half of it
   * (RFC 5227).
   */
  public static final Duration DEFAULT_PROBE_WINDOW = Duration.ofMillis(100);

  public static Builder builder() {
    return new Builder();
  }

  /** Validating builder. */
  public static final class Builder {
    private String address;
    private int prefixLength = 24;
    private final Map<String, VipHost> hosts = new LinkedHashMap<>();
    private int garpCount = 3;
    private Duration commandTimeout = Duration.ofSeconds(5);
    private Path stateFile;
    private int dadProbes = 1;
    private Duration duplicateProbeWindow = DEFAULT_PROBE_WINDOW;

    private Builder() {}

    public Builder address(String value) {
      this.address = value;
      return this;
    }

    public Builder prefixLength(int value) {
      this.prefixLength = value;
      return this;
    }

    public Builder host(HostCommand command, String voipInterface) {
      hosts.put(command.host(), new VipHost(command, voipInterface));
      return this;
    }

    public Builder garpCount(int value) {
      this.garpCount = value;
      return this;
    }

    public Builder commandTimeout(Duration value) {
      this.commandTimeout = value;
      return this;
    }

    /** ARP probes before claiming the address (1..5, default 2). */
    public Builder dadProbes(int value) {
      this.dadProbes = value;
      return this;
    }

    /** How long a probe from this machine listens (50 ms to 1 s, default 100 ms). */
    public Builder duplicateProbeWindow(Duration value) {
      this.duplicateProbeWindow = value;
      return this;
    }

    public Builder stateFile(Path value) {
      this.stateFile = value;
      return this;
    }

    public VipConfig build() {
      try {
        if (address == null || !(InetAddress.getByName(address) instanceof Inet4Address)) {
          throw new ConfigException("vip.address: expected an IPv4 address, got " + address);
        }
        if (!address.matches("[0-9.]+")) {
          throw new ConfigException("vip.address: expected a literal IPv4 address, got " + address);
        }
      } catch (UnknownHostException e) {
        throw new ConfigException("vip.address: expected an IPv4 address, got " + address);
      }
      if (prefixLength < 1 || prefixLength > 32) {
        throw new ConfigException("vip.prefixLength: expected 1..32, was " + prefixLength);
      }
      if (hosts.size() < 2) {
        throw new ConfigException("vip.hosts: expected at least two hosts, got " + hosts.keySet());
      }
      for (Map.Entry<String, VipHost> h : hosts.entrySet()) {
        if (!h.getValue().voipInterface().matches("[A-Za-z0-9_.@-]{1,15}")) {
          throw new ConfigException(
              "vip.hosts." + h.getKey() + ".interface: expected a Linux interface name");
        }
      }
      if (garpCount < 1 || garpCount > 10) {
        throw new ConfigException("vip.garpCount: expected 1..10, was " + garpCount);
      }
      if (commandTimeout == null || commandTimeout.isNegative() || commandTimeout.isZero()) {
        throw new ConfigException("vip.commandTimeout: expected a positive duration");
      }
      if (stateFile == null) {
        throw new ConfigException("vip.stateFile: expected a file path");
      }
      if (dadProbes < 1 || dadProbes > 5) {
        throw new ConfigException("vip.dadProbes: expected 1..5, was " + dadProbes);
      }
      if (duplicateProbeWindow == null
          || duplicateProbeWindow.compareTo(Duration.ofMillis(50)) < 0
          || duplicateProbeWindow.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new ConfigException(
            "vip.duplicateProbeWindow: expected 50ms to 1s, was " + duplicateProbeWindow);
      }
      return new VipConfig(
          address,
          prefixLength,
          hosts,
          garpCount,
          commandTimeout,
          stateFile,
          dadProbes,
          duplicateProbeWindow);
    }
  }
}
