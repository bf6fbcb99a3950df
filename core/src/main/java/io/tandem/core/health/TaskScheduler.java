package io.tandem.core.health;

import java.time.Duration;

/**
 * Runs a task once after a delay: the seam that lets tests drive time by hand (a manual scheduler
 * advances a fake clock and runs what is due, on the test's thread).
 *
 * <p>Implementations are thread-safe. Tasks must be short and must not block: long work goes to an
 * executor.
 */
public interface TaskScheduler {

  /**
   * Schedules {@code task} to run once after {@code delay} (zero or negative: as soon as possible).
   *
   * @return a handle that cancels the task if it has not started
   */
  Cancellable schedule(Duration delay, Runnable task);

  /** A scheduled task that can still be cancelled. */
  @FunctionalInterface
  interface Cancellable {
    /** Idempotent; no effect once the task has started. */
    void cancel();
  }
}
