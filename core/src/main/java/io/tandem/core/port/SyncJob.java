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
}
