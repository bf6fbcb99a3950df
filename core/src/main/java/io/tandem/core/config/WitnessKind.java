package io.tandem.core.config;

/** The witness backend that grants the cluster's ticket. */
public enum WitnessKind implements ConfigEnum {
  BUILTIN("builtin"),
  ETCD("etcd"),
  DYNAMODB("dynamodb"),
  AZURE_BLOB("azure-blob");

  private final String configName;

  WitnessKind(String configName) {
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
