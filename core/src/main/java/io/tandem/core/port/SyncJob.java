package io.tandem.core.port;

/**
 * Port: keeps the standby's configuration and data current. Files are copied active to standby only
 * while both sides are confirmed healthy; databases use their own replication.
 */
public interface SyncJob {

  String name();

  SyncStatus status();

  /** Run one sync now; the caller has checked that both sides are healthy. */
  SyncStatus runOnce();
}
