package io.tandem.core.config;

/** Where a site runs: its kind decides which service addresses and credentials apply. */
public enum SiteKind implements ConfigEnum {
  ONPREM("onprem"),
  AWS("aws"),
  AZURE("azure");

  private final String configName;

  SiteKind(String configName) {
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
