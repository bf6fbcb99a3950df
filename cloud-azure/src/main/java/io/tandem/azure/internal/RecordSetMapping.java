package io.tandem.azure.internal;

import com.azure.resourcemanager.dns.fluent.models.RecordSetInner;
import com.azure.resourcemanager.dns.models.ARecord;
import com.azure.resourcemanager.dns.models.AaaaRecord;
import com.azure.resourcemanager.dns.models.CnameRecord;
import com.azure.resourcemanager.dns.models.SrvRecord;
import com.azure.resourcemanager.dns.models.TxtRecord;
import io.tandem.core.error.ConfigException;
import io.tandem.core.port.DnsRecord;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Converts between Tandem's {@link DnsRecord} (absolute names, presentation-format values) and
 * Azure DNS record sets (zone name without the trailing dot, name relative to the zone, typed
 * record lists). Supports A, AAAA, CNAME, SRV and TXT. Stateless.
 */
public final class RecordSetMapping {

  public static final Set<String> TYPES = Set.of("A", "AAAA", "CNAME", "SRV", "TXT");

  private RecordSetMapping() {}

  /** {@code example.com.} → {@code example.com}. */
  public static String zoneName(String zone) {
    return stripDot(zone).toLowerCase(Locale.ROOT);
  }

  /** {@code sip.example.com.} in {@code example.com.} → {@code sip}; the apex → {@code @}. */
  public static String relativeName(String zone, String name) {
    String z = zoneName(zone);
    String n = stripDot(name).toLowerCase(Locale.ROOT);
    if (n.equals(z)) {
      return "@";
    }
    if (!n.endsWith("." + z)) {
      throw new ConfigException("dns.name: '" + name + "' is not inside zone '" + zone + "'");
    }
    return n.substring(0, n.length() - z.length() - 1);
  }

  public static String type(DnsRecord r) {
    String t = r.type().toUpperCase(Locale.ROOT);
    if (!TYPES.contains(t)) {
      throw new ConfigException(
          "dns.type: Azure DNS adapter supports " + new TreeSet<>(TYPES) + ", was " + r.type());
    }
    if (t.equals("CNAME") && r.values().size() != 1) {
      throw new ConfigException("dns.values: a CNAME holds exactly one value, was " + r.values());
    }
    return t;
  }

  /** The record set body for {@code r}, carrying {@code metadata}. */
  public static RecordSetInner toRecordSet(DnsRecord r, java.util.Map<String, String> metadata) {
    RecordSetInner rs = new RecordSetInner().withTtl(r.ttl()).withMetadata(metadata);
    switch (type(r)) {
      case "A" ->
          rs.withARecords(
              r.values().stream().map(v -> new ARecord().withIpv4Address(v.trim())).toList());
      case "AAAA" ->
          rs.withAaaaRecords(
              r.values().stream().map(v -> new AaaaRecord().withIpv6Address(v.trim())).toList());
      case "CNAME" -> rs.withCnameRecord(new CnameRecord().withCname(stripDot(r.values().get(0))));
      case "SRV" -> rs.withSrvRecords(r.values().stream().map(RecordSetMapping::srv).toList());
      default ->
          rs.withTxtRecords(
              r.values().stream().map(v -> new TxtRecord().withValue(List.of(v))).toList());
    }
    return rs;
  }

  /** The record as Azure holds it, in Tandem's form (absolute names end with a dot). */
  public static DnsRecord toRecord(String zone, String name, String type, RecordSetInner rs) {
    List<String> values = new ArrayList<>();
    switch (type.toUpperCase(Locale.ROOT)) {
      case "A" -> nullSafe(rs.aRecords()).forEach(a -> values.add(a.ipv4Address()));
      case "AAAA" -> nullSafe(rs.aaaaRecords()).forEach(a -> values.add(a.ipv6Address()));
      case "CNAME" -> {
        if (rs.cnameRecord() != null && rs.cnameRecord().cname() != null) {
          values.add(stripDot(rs.cnameRecord().cname()) + ".");
        }
      }
      case "SRV" ->
          nullSafe(rs.srvRecords())
              .forEach(
                  s ->
                      values.add(
                          s.priority()
                              + " "
                              + s.weight()
                              + " "
                              + s.port()
                              + " "
                              + stripDot(s.target())
                              + "."));
      default ->
          nullSafe(rs.txtRecords()).forEach(t -> values.add(String.join("", nullSafe(t.value()))));
    }
    long ttl = rs.ttl() == null ? 0 : rs.ttl();
    return new DnsRecord(zone, name, type.toUpperCase(Locale.ROOT), ttl, values);
  }

  /** Whether two records carry the same data (type, TTL, values as a set, canonical form). */
  public static boolean sameData(DnsRecord a, DnsRecord b) {
    return a.type().equalsIgnoreCase(b.type())
        && a.ttl() == b.ttl()
        && canonical(a).equals(canonical(b));
  }

  private static Set<String> canonical(DnsRecord r) {
    Set<String> out = new TreeSet<>();
    String t = r.type().toUpperCase(Locale.ROOT);
    for (String v : r.values()) {
      String s = v.trim();
      switch (t) {
        case "A", "AAAA" -> out.add(ipLiteral(s));
        case "CNAME" -> out.add(stripDot(s).toLowerCase(Locale.ROOT));
        case "SRV" -> {
          String[] p = s.split("\\s+");
          out.add(
              p.length == 4
                  ? p[0] + " " + p[1] + " " + p[2] + " " + stripDot(p[3]).toLowerCase(Locale.ROOT)
                  : s);
        }
        default -> out.add(s);
      }
    }
    return out;
  }

  private static String ipLiteral(String s) {
    // Only literals reach here (validated on write), so no name lookup happens.
    if (!s.matches("[0-9a-fA-F:.]+")) {
      return s;
    }
    try {
      return InetAddress.getByName(s).getHostAddress();
    } catch (UnknownHostException e) {
      return s;
    }
  }

  private static SrvRecord srv(String value) {
    String[] p = value.trim().split("\\s+");
    if (p.length != 4) {
      throw new ConfigException(
          "dns.values: SRV value must be 'priority weight port target', was '" + value + "'");
    }
    try {
      return new SrvRecord()
          .withPriority(Integer.parseInt(p[0]))
          .withWeight(Integer.parseInt(p[1]))
          .withPort(Integer.parseInt(p[2]))
          .withTarget(stripDot(p[3]));
    } catch (NumberFormatException e) {
      throw new ConfigException(
          "dns.values: SRV priority, weight and port must be numbers, was '" + value + "'");
    }
  }

  private static String stripDot(String s) {
    String t = s.trim();
    return t.endsWith(".") ? t.substring(0, t.length() - 1) : t;
  }

  private static <T> List<T> nullSafe(List<T> l) {
    return l == null ? List.of() : l;
  }
}
