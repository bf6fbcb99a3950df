package io.tandem.core.health;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TaskScheduler} on a {@link ScheduledExecutorService}. Thread-safe. {@link #close()}
 * shuts the executor down only if this instance created it.
 */
public final class ExecutorTaskScheduler implements TaskScheduler, AutoCloseable {

  private final ScheduledExecutorService executor;
  private final boolean owned;

  /** Wraps an executor the caller owns (and shuts down). */
  public ExecutorTaskScheduler(ScheduledExecutorService executor) {
    this.executor = Objects.requireNonNull(executor, "executor");
    this.owned = false;
  }

  private ExecutorTaskScheduler(ScheduledExecutorService executor, boolean owned) {
    this.executor = executor;
    this.owned = owned;
  }

  /** A scheduler with its own single daemon thread named {@code name}. */
  public static ExecutorTaskScheduler singleThread(String name) {
    return new ExecutorTaskScheduler(
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            }),
        true);
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    long nanos = Math.max(0, delay.toNanos());
    ScheduledFuture<?> f = executor.schedule(task, nanos, TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }

  @Override
  public void close() {
    if (owned) {
      executor.shutdownNow();
    }
  }
}
