package io.tandem.core.runbook;

/** What sort of run a runbook performs. */
public enum RunKind {
  /** Unplanned: the active site is lost. */
  FAILOVER,
  /** Planned: drain calls first, check sync, then move. */
  SWITCHOVER,
  /** Anything built by hand (tests, operators' own runbooks). */
  CUSTOM
}
