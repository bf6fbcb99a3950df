package io.tandem.core.sync;

import io.tandem.core.config.SyncJobConfig;
import io.tandem.core.port.SyncStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * What a planned switchover asks before the active site lets go: has every sync job made the
 * target's copy equal to ours since the switchover was asked for? Stale jobs are run again at once
 * (through the gate) and waited for up to a bound; a job still not current refuses the switchover,
 * naming the job and why, unless an operator acknowledged it ({@link StaleAcknowledgements}). A
 * failover never asks: it must not wait for data from a site that may be gone.
 */
public final class SwitchoverReadiness {

  /** The longest a switchover request waits for sync (below the CLI's 10 s request timeout). */
  public static final Duration DEFAULT_BOUND = Duration.ofSeconds(8);

  /**
   * The answer.
   *
   * @param ready whether the switchover may go ahead
   * @param words per job, what was found; for a refusal, what to do
   */
  public record Result(boolean ready, String words) {}

  private final SyncService service;
  private final StaleAcknowledgements acks;
  private final Clock clock;
  private final LongSupplier nanos;

  public SwitchoverReadiness(
      SyncService service, StaleAcknowledgements acks, Clock clock, LongSupplier nanos) {
    this.service = service;
    this.acks = acks;
    this.clock = clock;
    this.nanos = nanos;
  }

  /**
   * Checks (and refreshes) every job for a switchover to {@code target}, waiting up to {@code
   * bound}.
   */
  public Result check(String target, Duration bound) {
    if (service.jobs().isEmpty()) {
      return new Result(true, "no sync jobs");
    }
    Instant asked = clock.instant();
    long deadline = nanos.getAsLong() + bound.toNanos();
    List<SyncJobConfig> pending = new ArrayList<>(service.jobs());
    while (true) {
      // every job runs at least once after the request: the target gets what we have now
      for (SyncJobConfig j : pending) {
        service.runNow(j.name());
      }
      pending.removeIf(j -> current(j, asked));
      long left = deadline - nanos.getAsLong();
      if (pending.isEmpty() || left <= 0) {
        break;
      }
      LockSupport.parkNanos(Math.min(left, Duration.ofMillis(500).toNanos()));
    }
    List<String> lines = new ArrayList<>();
    List<String> stale = new ArrayList<>();
    for (SyncJobConfig j : service.jobs()) {
      SyncStatus s = service.status(j.name());
      if (!pending.contains(j)) {
        lines.add("sync " + j.name() + ": current (" + age(s) + ")");
        continue;
      }
      Optional<StaleAcknowledgements.Acknowledgement> ack = acks.find(j.name());
      if (ack.isPresent()) {
        lines.add("sync " + j.name() + ": not current (" + age(s) + "), " + ack.get().words());
      } else {
        stale.add(j.name());
        lines.add("sync " + j.name() + ": not current (" + age(s) + "; " + s.detail() + ")");
      }
    }
    if (stale.isEmpty()) {
      acks.consume();
      return new Result(true, String.join("; ", lines));
    }
    return new Result(
        false,
        "switchover to "
            + target
            + " refused: "
            + String.join("; ", lines)
            + ". Waited "
            + bound.toSeconds()
            + " s. Fix what stops the sync, or acknowledge that "
            + target
            + " may lack recent changes (POST /api/v1/sync/accept-stale for "
            + String.join(", ", stale)
            + ") and ask again.");
  }

  private boolean current(SyncJobConfig j, Instant asked) {
    return service.status(j.name()).lastSuccess().map(t -> !t.isBefore(asked)).orElse(false);
  }

  private static String age(SyncStatus s) {
    return s.lastSuccess().isEmpty()
        ? "never synced"
        : String.format(Locale.ROOT, "last success %.0f s ago", s.lagSeconds());
  }
}
