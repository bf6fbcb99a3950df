package io.tandem.core.config;

/** Who serves a DNS zone Tandem updates. */
public enum DnsProvider implements ConfigEnum {
  ROUTE53("route53"),
  AZURE_DNS("azure-dns"),
  RFC2136("rfc2136");

  private final String configName;

  DnsProvider(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }

  @Override
  public String toString() {
    return configName;
  }
}
