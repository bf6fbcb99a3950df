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
 */
public record ClusterStatus(
    String cluster, String activeSite, TicketView ticket, List<SiteView> sites, boolean lab) {

  public ClusterStatus {
    sites = List.copyOf(sites);
  }
}
