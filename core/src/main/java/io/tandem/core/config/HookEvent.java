package io.tandem.core.config;

/**
 * When an operator's hook program runs ({@code hooks[].on} in the cluster file), as keepalived's
 * {@code notify_master}/{@code notify_backup}/{@code notify_fault} scripts and HA products' event
 * handlers do.
 */
public enum HookEvent implements ConfigEnum {
  /** This site's agent entered ACTIVE. */
  ACTIVE("active"),
  /** This site's agent entered STANDBY. */
  STANDBY("standby"),
  /** This site's agent entered FENCED. */
  FENCED("fenced"),
  /** This site's agent entered MAINTENANCE. */
  MAINTENANCE("maintenance"),
  /** Before each stage of a runbook this site runs. */
  STAGE_BEFORE("stage-before"),
  /** After each stage of a runbook this site runs. */
  STAGE_AFTER("stage-after"),
  /** One of this site's sensors read WARN (after reading something else). */
  SENSOR_WARN("sensor-warn"),
  /** One of this site's sensors read FAIL or TIMEOUT (after reading something else). */
  SENSOR_FAIL("sensor-fail"),
  /** This site's health entered the warning level (policies.warningHealthPercent). */
  HEALTH_WARN("health-warn"),
  /**
   * Before a planned switchover away from this site is accepted: a non-zero exit vetoes it. Never
   * asked before a failover.
   */
  SWITCHOVER("switchover");

  private final String configName;

  HookEvent(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }
}
