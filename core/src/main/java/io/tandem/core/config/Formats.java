package io.tandem.core.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/** Syntax checks for values in the configuration (no network access, no DNS lookups). */
final class Formats {

  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern AWS_REGION = Pattern.compile("[a-z]{2,4}(-[a-z]+){1,3}-\\d{1,2}");
  private static final Pattern GUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern HOST =
      Pattern.compile(
          "(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)"
              + "(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\\.?");
  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

  private Formats() {}

  /** Lower-case letters, digits and dashes, as a DNS label: cluster and site names. */
  static boolean name(String s) {
    return NAME.matcher(s).matches();
  }

  static boolean awsRegion(String s) {
    return AWS_REGION.matcher(s).matches();
  }

  static boolean guid(String s) {
    return GUID.matcher(s).matches();
  }

  static boolean hostname(String s) {
    return HOST.matcher(s).matches();
  }

  static boolean ipv4(String s) {
    return IPV4.matcher(s).matches();
  }

  /** A textual IPv6 address (checked without DNS: only hex groups and colons). */
  static boolean ipv6(String s) {
    if (!s.contains(":") || !s.matches("[0-9a-fA-F:.]+")) {
      return false;
    }
    try {
      // Only hex digits, colons and dots reach here, so this parses a literal and never
      // queries DNS (InetAddress.ofLiteral would say so explicitly, but needs Java 22).
      return java.net.InetAddress.getByName(s) instanceof java.net.Inet6Address;
    } catch (java.net.UnknownHostException | IllegalArgumentException e) {
      return false;
    }
  }

  static boolean host(String s) {
    return ipv4(s) || ipv6(s) || hostname(s);
  }

  /** {@code host} or {@code host:port}. */
  static boolean hostPort(String s) {
    int colon = s.lastIndexOf(':');
    if (colon > 0 && !s.startsWith("[") && s.indexOf(':') == colon) {
      String port = s.substring(colon + 1);
      return hostname(s.substring(0, colon)) || ipv4(s.substring(0, colon))
          ? port.matches("\\d{1,5}") && Integer.parseInt(port) <= 65535
          : false;
    }
    if (s.startsWith("[")) {
      int end = s.indexOf(']');
      return end > 0
          && ipv6(s.substring(1, end))
          && (end == s.length() - 1 || s.substring(end + 1).matches(":\\d{1,5}"));
    }
    return host(s);
  }

  /** An absolute http or https URL with a host. */
  static boolean httpUrl(String s) {
    try {
      URI u = new URI(s);
      return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /** {@code address/prefix}, IPv4 or IPv6. */
  static boolean cidr(String s) {
    int slash = s.indexOf('/');
    if (slash < 0 || !s.substring(slash + 1).matches("\\d{1,3}")) {
      return false;
    }
    String a = s.substring(0, slash);
    int prefix = Integer.parseInt(s.substring(slash + 1));
    return (ipv4(a) && prefix <= 32) || (ipv6(a) && prefix <= 128);
  }

  /** A SIP or SIPS URI, e.g. {@code sip:registrar.example.net:5060;transport=tcp}. */
  static boolean sipUri(String s) {
    return s.matches("sips?:[^\\s]+");
  }
}
