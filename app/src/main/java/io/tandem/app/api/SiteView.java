package io.tandem.app.api;

import java.util.List;

/**
 * One site as the API shows it.
 *
 * @param name site name
 * @param kind onprem, aws or azure
 * @param state the agent's state (STANDBY, ACTIVE, FENCED...)
 * @param healthy the aggregated verdict
 * @param healthSummary e.g. {@code healthy 25/25}
 * @param sensors per-sensor detail
 * @param reachable whether this node can currently reach that site's agent
 */
public record SiteView(
    String name,
    String kind,
    String state,
    boolean healthy,
    String healthSummary,
    List<SensorView> sensors,
    boolean reachable) {

  public SiteView {
    sensors = List.copyOf(sensors);
  }
}
