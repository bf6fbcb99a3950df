package io.tandem.core.config;

/** Points where a runbook waits for an operator's approval before acting. */
public enum ApprovalGate implements ConfigEnum {
  BEFORE_FAILOVER("before-failover"),
  BEFORE_FAILBACK("before-failback"),
  BEFORE_SWITCHOVER("before-switchover"),
  BEFORE_FENCING("before-fencing");

  private final String configName;

  ApprovalGate(String configName) {
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
