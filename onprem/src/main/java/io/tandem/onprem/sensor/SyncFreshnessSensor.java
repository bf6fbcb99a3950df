package io.tandem.onprem.sensor;

import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import io.tandem.core.port.SyncJob;
import io.tandem.core.port.SyncStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Kind {@code sync-freshness}: age of the last successful active→standby sync, from the
 * modification time of a stamp file the sync writes on success, or from a {@link SyncJob}'s status.
 * A standby with a stale copy must not be promoted silently. Value: age in seconds.
 */
public final class SyncFreshnessSensor extends BaseSensor {

  private final Supplier<Optional<Instant>> lastSuccess;
  private final String what;
  private final Thresholds thresholds;

  private SyncFreshnessSensor(
      SensorSpec spec,
      SensorContext context,
      Supplier<Optional<Instant>> lastSuccess,
      String what,
      Thresholds thresholds) {
    super(spec, context);
    this.lastSuccess = lastSuccess;
    this.what = what;
    this.thresholds = thresholds;
  }

  /** Freshness from a stamp file's modification time (path under the context root). */
  public static SyncFreshnessSensor ofStampFile(
      SensorSpec spec, SensorContext context, String stampFile, Thresholds thresholds) {
    Path file = context.path(stampFile);
    return new SyncFreshnessSensor(
        spec,
        context,
        () -> {
          if (!Files.exists(file)) {
            return Optional.empty();
          }
          try {
            return Optional.of(Files.getLastModifiedTime(file).toInstant());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        stampFile,
        thresholds);
  }

  /** Freshness from a sync job's status. */
  public static SyncFreshnessSensor ofJob(
      SensorSpec spec, SensorContext context, SyncJob job, Thresholds thresholds) {
    return new SyncFreshnessSensor(
        spec, context, () -> job.status().lastSuccess(), "sync job " + job.name(), thresholds);
  }

  /** For a {@link SyncStatus} supplier (tests, composite jobs). */
  public static SyncFreshnessSensor ofStatus(
      SensorSpec spec, SensorContext context, Supplier<SyncStatus> status, Thresholds thresholds) {
    return new SyncFreshnessSensor(
        spec, context, () -> status.get().lastSuccess(), "sync", thresholds);
  }

  @Override
  protected SensorReading measure() {
    Optional<Instant> last = lastSuccess.get();
    if (last.isEmpty()) {
      return reading(SensorStatus.FAIL, Double.NaN, "s", what + ": never synced");
    }
    double age = Math.max(0, Duration.between(last.get(), now()).toMillis() / 1000.0);
    return reading(
        thresholds.judge(age),
        age,
        "s",
        String.format(Locale.ROOT, "%s: last success %.0f s ago (%s)", what, age, last.get()));
  }
}
