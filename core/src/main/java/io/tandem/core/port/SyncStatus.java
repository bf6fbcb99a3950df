package io.tandem.core.port;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Freshness of one sync job: how long ago the sites' copies were last made equal, and what the last
 * successful run moved.
 *
 * @param job job name
 * @param lastSuccess end of the last successful run (sent, received or found equal), if any
 * @param lagSeconds age of that success in seconds, or -1 when there was none
 * @param detail a short sentence (the last decision's words)
 * @param stale whether the copy is older than the job's {@code staleAfter}
 * @param lastRun what the last successful run moved, if any
 * @param bytesTotal bytes moved by this site for the job since the agent's data directory began
 */
public record SyncStatus(
    String job,
    Optional<Instant> lastSuccess,
    double lagSeconds,
    String detail,
    boolean stale,
    Optional<LastRun> lastRun,
    long bytesTotal) {

  /**
   * The last successful run.
   *
   * @param from sending site
   * @param to receiving site
   * @param at when it ended
   * @param files files or keys changed
   * @param rows rows copied
   * @param bytes bytes moved
   * @param durationMillis how long it took
   */
  public record LastRun(
      String from, String to, Instant at, long files, long rows, long bytes, long durationMillis) {
    public LastRun {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(at, "at");
    }
  }

  public SyncStatus {
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(lastSuccess, "lastSuccess");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(lastRun, "lastRun");
  }

  /** A status with freshness only (replication lag, stamp files, tests). */
  public SyncStatus(String job, Optional<Instant> lastSuccess, double lagSeconds, String detail) {
    this(job, lastSuccess, lagSeconds, detail, false, Optional.empty(), 0);
  }
}
