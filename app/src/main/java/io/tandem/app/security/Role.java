package io.tandem.app.security;

/** API roles; each includes the ones below it. */
public enum Role {
  /** Reads status, decisions, runs and reports. */
  VIEWER,
  /** Also switchover, maintenance, gates, drills, aborts; reads the audit log. */
  OPERATOR,
  /** Also forced acquire. */
  ADMIN;

  public String authority() {
    return "ROLE_" + name();
  }
}
