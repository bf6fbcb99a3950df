package io.tandem.app.api;

import java.util.List;

/**
 * What the API, console and CLI show about a cluster: who is active, the ticket, every site.
 *
 * @param cluster cluster name
 * @param activeSite the site serving now, or {@code null} when none is
 * @param ticket the witness's ticket as last observed, or {@code null}
 * @param sites every site with its state and health
 * @param lab true when the cluster is the simulated {@code tandem lab} cluster
 * @param warningHealthPercent sensor score below which a healthy site is WARN (notified, no
 *     failover)
 * @param minimumHealthPercent sensor score below which a site FAILs (fails over)
 * @param approvals the gates this agent waits at for an operator, oldest request first by id
 */
public record ClusterStatus(
    String cluster,
    String activeSite,
    TicketView ticket,
    List<SiteView> sites,
    boolean lab,
    int warningHealthPercent,
    int minimumHealthPercent,
    List<WaitingApproval> approvals) {

  public ClusterStatus {
    sites = List.copyOf(sites);
    approvals = List.copyOf(approvals);
  }

  /** A status with no gate waiting. */
  public ClusterStatus(
      String cluster,
      String activeSite,
      TicketView ticket,
      List<SiteView> sites,
      boolean lab,
      int warningHealthPercent,
      int minimumHealthPercent) {
    this(
        cluster,
        activeSite,
        ticket,
        sites,
        lab,
        warningHealthPercent,
        minimumHealthPercent,
        List.of());
  }

  /** A status with the default health levels. */
  public ClusterStatus(
      String cluster, String activeSite, TicketView ticket, List<SiteView> sites, boolean lab) {
    this(
        cluster,
        activeSite,
        ticket,
        sites,
        lab,
        io.tandem.core.config.Policies.DEFAULT_WARNING_HEALTH_PERCENT,
        io.tandem.core.config.Policies.DEFAULT_MINIMUM_HEALTH_PERCENT);
  }
}
