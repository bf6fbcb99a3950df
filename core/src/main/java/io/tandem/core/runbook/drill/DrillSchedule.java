package io.tandem.core.runbook.drill;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * When drills are due. The agent asks {@link #isDue} on its tick (with its injected clock) rather
 * than the schedule owning a thread, so schedules are trivially testable.
 */
public interface DrillSchedule {

  /** The first drill time strictly after {@code after}, if any. */
  Optional<Instant> nextAfter(Instant after);

  /** Whether a drill is due at {@code now}, given when the last one ran (empty: never). */
  default boolean isDue(Optional<Instant> lastRun, Instant now) {
    Optional<Instant> next = nextAfter(lastRun.orElse(Instant.EPOCH));
    return next.isPresent() && !next.get().isAfter(now);
  }

  /** No scheduled drills (on demand only). */
  static DrillSchedule never() {
    return after -> Optional.empty();
  }

  /** Every {@code period} from {@code anchor}, e.g. monthly from the first Tuesday 10:00 UTC. */
  static DrillSchedule every(Duration period, Instant anchor) {
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(anchor, "anchor");
    if (period.isZero() || period.isNegative()) {
      throw new IllegalArgumentException("drill period must be > 0, was " + period);
    }
    return after -> {
      if (after.isBefore(anchor)) {
        return Optional.of(anchor);
      }
      long periods = Duration.between(anchor, after).toMillis() / period.toMillis() + 1;
      return Optional.of(anchor.plus(period.multipliedBy(periods)));
    };
  }
}
