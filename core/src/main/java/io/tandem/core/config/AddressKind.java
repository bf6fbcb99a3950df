package io.tandem.core.config;

/** Kinds of service address Tandem moves. */
public enum AddressKind implements ConfigEnum {
  AWS_EIP("aws-eip"),
  AZURE_PUBLIC_IP("azure-public-ip"),
  VIP("vip");

  private final String configName;

  AddressKind(String configName) {
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
