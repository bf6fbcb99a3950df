package io.tandem.core.port;

/**
 * Port: keeps the standby's configuration and data current. Data moves from the ticket holder to
 * the other sites only while both are confirmed healthy and the peer link is authenticated (see
 * {@code io.tandem.core.sync}); databases by transactions or their own replication.
 */
public interface SyncJob {

  String name();

  /** How fresh the other site's copy is, as this site knows it. */
  SyncStatus status();

  /**
   * Runs the job once now, through the health gate, and returns the status after it. On a site that
   * is not the ticket holder nothing is sent (the holder is the only sender): the status comes back
   * unchanged, its detail saying why.
   */
  SyncStatus runOnce();

  /**
   * Whether a planned switchover already made this job current, or had an operator accept it as
   * stale, on the old active site before that site let go (Tandem's own health-gated jobs: {@code
   * SwitchoverReadiness} runs them, waits a bound and refuses naming the job unless acknowledged).
   * The switchover runbook, which runs on the new active site, then records the job's freshness
   * without waiting for it or running it: the new active cannot know an acknowledgement given on
   * the old one, and it must not send its older copy back before it serves. False (the default) for
   * jobs only the runbook checks, such as a database's own replication.
   */
  default boolean checkedBeforeHandover() {
    return false;
  }
}
