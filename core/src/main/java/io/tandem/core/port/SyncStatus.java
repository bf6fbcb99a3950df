package io.tandem.core.port;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Freshness of one active-to-standby sync (files, database replication).
 *
 * @param job job name
 * @param lastSuccess end of the last successful run, if any
 * @param lagSeconds replication lag or age of the last copy, in seconds
 * @param detail a short sentence
 */
public record SyncStatus(
    String job, Optional<Instant> lastSuccess, double lagSeconds, String detail) {

  public SyncStatus {
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(lastSuccess, "lastSuccess");
    Objects.requireNonNull(detail, "detail");
  }
}
