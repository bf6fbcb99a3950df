package io.tandem.core.config;

import io.tandem.core.port.DnsRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A DNS record whose value follows the active site.
 *
 * @param provider who serves the zone
 * @param zone zone apex, absolute (ends with a dot), e.g. {@code example.com.}
 * @param name owner name, absolute, inside the zone, e.g. {@code sip.example.com.}
 * @param type A, AAAA, CNAME or SRV
 * @param ttl normal TTL in seconds (default 60)
 * @param switchoverTtl lower TTL set ahead of a planned switchover, in seconds (below ttl)
 * @param values the value while each site is active, keyed by site name (every site)
 * @param hostedZoneId Route 53 hosted zone id (looked up by zone name when absent)
 * @param aws AWS access for Route 53
 * @param azure Azure access for Azure DNS (subscription and resource group of the zone)
 * @param rfc2136 the server and TSIG key for RFC 2136
 */
public record DnsRecordConfig(
    DnsProvider provider,
    String zone,
    String name,
    RecordType type,
    long ttl,
    Optional<Long> switchoverTtl,
    Map<String, String> values,
    Optional<String> hostedZoneId,
    Optional<AwsAccess> aws,
    Optional<AzureAccess> azure,
    Optional<Rfc2136Server> rfc2136) {

  public static final long DEFAULT_TTL = 60;

  public DnsRecordConfig {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(switchoverTtl, "switchoverTtl");
    values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    Objects.requireNonNull(hostedZoneId, "hostedZoneId");
    Objects.requireNonNull(aws, "aws");
    Objects.requireNonNull(azure, "azure");
    Objects.requireNonNull(rfc2136, "rfc2136");
  }

  /** The record set as it should be while {@code site} is active. */
  public DnsRecord forSite(String site) {
    String value = values.get(site);
    if (value == null) {
      throw new IllegalArgumentException("no value for site " + site + " in " + name);
    }
    return new DnsRecord(zone, name, type.configName(), ttl, List.of(value));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates a {@link DnsRecordConfig}. */
  public static final class Builder extends ConfigBuilder<DnsRecordConfig> {
    private DnsProvider provider;
    private String zone;
    private String name;
    private RecordType type;
    private Long ttl;
    private Long switchoverTtl;
    private final Map<String, String> values = new LinkedHashMap<>();
    private String hostedZoneId;
    private AwsAccess aws;
    private AzureAccess azure;
    private Rfc2136Server rfc2136;

    public Builder provider(DnsProvider v) {
      provider = v;
      return this;
    }

    public Builder zone(String v) {
      zone = v;
      return this;
    }

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder type(RecordType v) {
      type = v;
      return this;
    }

    public Builder ttl(Long v) {
      ttl = v;
      return this;
    }

    public Builder switchoverTtl(Long v) {
      switchoverTtl = v;
      return this;
    }

    public Builder value(String site, String value) {
      values.put(site, value);
      return this;
    }

    public Builder hostedZoneId(String v) {
      hostedZoneId = v;
      return this;
    }

    public Builder aws(AwsAccess v) {
      aws = v;
      return this;
    }

    public Builder azure(AzureAccess v) {
      azure = v;
      return this;
    }

    public Builder rfc2136(Rfc2136Server v) {
      rfc2136 = v;
      return this;
    }

    private static String absolute(String n) {
      return n.endsWith(".") ? n : n + ".";
    }

    @Override
    protected void check(Violations v) {
      v.required(provider, "provider", "one of " + ConfigEnum.names(DnsProvider.class));
      boolean zoneOk = v.required(zone, "zone", "the zone apex such as example.com.");
      if (zoneOk && !Formats.hostname(zone)) {
        v.add("zone", "expected a domain name such as example.com., was " + zone);
        zoneOk = false;
      }
      if (v.required(name, "name", "the record's name such as sip.example.com.")) {
        if (!Formats.hostname(name)) {
          v.add("name", "expected a domain name such as sip.example.com., was " + name);
        } else if (zoneOk
            && !absolute(name).equals(absolute(zone))
            && !absolute(name).endsWith("." + absolute(zone))) {
          v.add("name", "expected a name inside zone " + absolute(zone) + ", was " + name);
        }
      }
      v.required(type, "type", "one of " + ConfigEnum.names(RecordType.class));
      if (ttl != null && (ttl < 0 || ttl > 2_147_483_647L)) {
        v.add("ttl", "expected seconds between 0 and 2147483647, was " + ttl);
      }
      long t = ttl != null ? ttl : DEFAULT_TTL;
      if (switchoverTtl != null && (switchoverTtl < 0 || switchoverTtl >= t)) {
        v.add(
            "switchoverTtl",
            "expected seconds >= 0 and below ttl (" + t + "), was " + switchoverTtl);
      }
      if (values.isEmpty()) {
        v.add(
            "values",
            "missing: expected the record's value for each site, e.g. {berlin:" + " 192.0.2.10}");
      }
      if (type != null) {
        values.forEach(
            (site, value) -> {
              String problem = checkValue(type, value);
              if (problem != null) {
                v.add("values." + site, problem);
              }
            });
      }
      if (provider != null) {
        if (provider != DnsProvider.ROUTE53 && (hostedZoneId != null || aws != null)) {
          v.add(
              hostedZoneId != null ? "hostedZoneId" : "aws",
              "expected only with provider" + " route53");
        }
        if (provider != DnsProvider.AZURE_DNS && azure != null) {
          v.add("azure", "expected only with provider azure-dns");
        }
        if (provider != DnsProvider.RFC2136 && rfc2136 != null) {
          v.add("rfc2136", "expected only with provider rfc2136");
        }
        if (provider == DnsProvider.AZURE_DNS && azure == null) {
          v.add("azure", "missing: expected subscriptionId and resourceGroup of the DNS zone");
        }
        if (provider == DnsProvider.RFC2136 && rfc2136 == null) {
          v.add("rfc2136", "missing: expected server, tsigKeyName and tsigSecret");
        }
      }
    }

    private static String checkValue(RecordType type, String value) {
      return switch (type) {
        case A -> Formats.ipv4(value) ? null : "expected an IPv4 address, was " + value;
        case AAAA -> Formats.ipv6(value) ? null : "expected an IPv6 address, was " + value;
        case CNAME -> Formats.hostname(value) ? null : "expected a host name, was " + value;
        case SRV ->
            value.matches("\\d{1,5} \\d{1,5} \\d{1,5} \\S+")
                ? null
                : "expected 'priority weight port target', e.g. '10 5 5060 sip.example.com.',"
                    + " was "
                    + value;
      };
    }

    @Override
    protected DnsRecordConfig create() {
      return new DnsRecordConfig(
          provider,
          absolute(zone),
          absolute(name),
          type,
          ttl != null ? ttl : DEFAULT_TTL,
          Optional.ofNullable(switchoverTtl),
          values,
          Optional.ofNullable(hostedZoneId),
          Optional.ofNullable(aws),
          Optional.ofNullable(azure),
          Optional.ofNullable(rfc2136));
    }

    @Override
    protected String what() {
      return "dns record";
    }
  }
}
