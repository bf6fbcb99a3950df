package io.tandem.onprem.sip;

import io.tandem.core.error.ConfigException;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a SIP request goes: a resolved host (name or address), port and transport.
 *
 * @param host host name or IP literal (IPv6 without brackets)
 * @param port 1..65535
 * @param transport {@code udp} or {@code tcp}
 */
public record SipTarget(String host, int port, String transport) {

  public SipTarget {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(transport, "transport");
    transport = transport.toLowerCase(Locale.ROOT);
    if (!transport.equals("udp") && !transport.equals("tcp")) {
      throw new ConfigException("SIP transport must be udp or tcp, was '" + transport + "'");
    }
    if (port < 1 || port > 65535) {
      throw new ConfigException("SIP port must be 1..65535, was " + port);
    }
  }

  /**
   * Parses {@code host:port} (or {@code [v6]:port}); the port is required.
   *
   * @throws ConfigException naming {@code field} when the text is not host:port
   */
  public static SipTarget parse(String field, String hostPort, String transport) {
    Objects.requireNonNull(hostPort, field);
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new ConfigException(field + ": expected host:port, got '" + hostPort + "'");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return new SipTarget(host, Integer.parseInt(hostPort.substring(colon + 1)), transport);
    } catch (NumberFormatException e) {
      throw new ConfigException(field + ": port is not a number in '" + hostPort + "'", e);
    } catch (ConfigException e) {
      // found by SipAndDnsParsingFuzzProperties: a port out of range did not name the field
      throw new ConfigException(field + ": " + e.getMessage(), e);
    }
  }

  /** {@code host:port} with brackets around an IPv6 literal. */
  public String hostPort() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return hostPort() + "/" + transport;
  }
}
