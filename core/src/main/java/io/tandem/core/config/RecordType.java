package io.tandem.core.config;

/** DNS record types Tandem moves between sites. */
public enum RecordType implements ConfigEnum {
  A("A"),
  AAAA("AAAA"),
  CNAME("CNAME"),
  SRV("SRV");

  private final String configName;

  RecordType(String configName) {
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
