package io.tandem.core.runbook;

/** What sort of run a runbook performs. */
public enum RunKind {
  /** Unplanned: the active site is lost. */
  FAILOVER,
  /** Planned: drain calls first, check sync, then move. */
  SWITCHOVER,
  /**
   * A first activation on a cold cluster: no site was serving, so nothing is fenced and nobody is
   * paged; the service's addresses, records and trunks are pointed at the site.
   */
  ACTIVATION,
  /** Anything built by hand (tests, operators' own runbooks). */
  CUSTOM
}
