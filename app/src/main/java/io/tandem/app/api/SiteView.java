package io.tandem.app.api;

import java.util.List;

/**
 * One site as the API shows it.
 *
 * <p>A peer whose latest report is older than the report timeout ({@code
 * timings.peerReportTimeout}) is shown {@code UNREACHABLE}, never in the state it last reported:
 * {@code lastSeenState} and {@code lastHeardSecondsAgo} say what it was when it was last heard
 * ("last seen ACTIVE 12 s ago"). Only the site holding the ticket is ever shown serving.
 *
 * @param name site name
 * @param kind onprem, aws or azure
 * @param state the agent's state (STANDBY, ACTIVE, FENCED...), or {@code UNREACHABLE}
 * @param healthy the aggregated verdict (false for an unreachable site)
 * @param healthSummary e.g. {@code healthy 25/25} or {@code last seen ACTIVE 12 s ago}
 * @param sensors per-sensor detail
 * @param reachable whether this node can currently reach that site's agent
 * @param lastSeenState for an unreachable site: the state of its last report, else {@code null}
 * @param lastHeardSecondsAgo seconds since its last report (0 for this site), {@code null} if never
 *     heard since this agent started
 * @param healthLevel {@code OK}, {@code WARN} (below the warning level: notifies, does not fail
 *     over) or {@code FAIL} (below the level that fails over); {@code UNKNOWN} for a peer
 */
public record SiteView(
    String name,
    String kind,
    String state,
    boolean healthy,
    String healthSummary,
    List<SensorView> sensors,
    boolean reachable,
    String lastSeenState,
    Long lastHeardSecondsAgo,
    String healthLevel) {

  /** The state shown for a peer whose report is older than the report timeout. */
  public static final String UNREACHABLE = "UNREACHABLE";

  public SiteView {
    sensors = List.copyOf(sensors);
  }

  /** A reachable site with nothing to remember. */
  public SiteView(
      String name,
      String kind,
      String state,
      boolean healthy,
      String healthSummary,
      List<SensorView> sensors,
      boolean reachable) {
    this(
        name,
        kind,
        state,
        healthy,
        healthSummary,
        sensors,
        reachable,
        null,
        reachable ? 0L : null,
        healthy ? "OK" : "FAIL");
  }
}
