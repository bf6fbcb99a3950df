package io.tandem.core.config;

/** The PBX a site runs, and so the management protocol (AMI or ESL). */
public enum PbxType implements ConfigEnum {
  ASTERISK("asterisk"),
  FREESWITCH("freeswitch");

  private final String configName;

  PbxType(String configName) {
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
