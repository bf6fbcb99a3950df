package io.tandem.core.port;

import java.util.List;
import java.util.Objects;

/**
 * One DNS record set.
 *
 * @param zone zone name, e.g. {@code example.com.}
 * @param name owner name, absolute, e.g. {@code sip.example.com.}
 * @param type record type: A, AAAA, CNAME, SRV, TXT
 * @param ttl seconds
 * @param values record data in presentation format, e.g. {@code 203.0.113.10} or {@code 10 5 5060
 *     sip.example.com.}
 */
public record DnsRecord(String zone, String name, String type, long ttl, List<String> values) {

  public DnsRecord {
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    values = List.copyOf(values);
    if (ttl < 0) {
      throw new IllegalArgumentException("ttl must be >= 0, was " + ttl);
    }
  }

  public DnsRecord withValues(List<String> newValues) {
    return new DnsRecord(zone, name, type, ttl, newValues);
  }

  public DnsRecord withTtl(long newTtl) {
    return new DnsRecord(zone, name, type, newTtl, values);
  }
}
