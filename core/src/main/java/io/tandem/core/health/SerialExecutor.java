package io.tandem.core.health;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs tasks one at a time, in submission order, on an underlying executor (the pattern from {@link
 * Executor}'s Javadoc). Thread-safe.
 */
final class SerialExecutor implements Executor {

  private final Queue<Runnable> tasks = new ArrayDeque<>();
  private final Executor executor;
  private Runnable active;

  SerialExecutor(Executor executor) {
    this.executor = Objects.requireNonNull(executor, "executor");
  }

  @Override
  public synchronized void execute(Runnable r) {
    tasks.add(
        () -> {
          try {
            r.run();
          } finally {
            scheduleNext();
          }
        });
    if (active == null) {
      scheduleNext();
    }
  }

  private synchronized void scheduleNext() {
    if ((active = tasks.poll()) != null) {
      try {
        executor.execute(active);
      } catch (RejectedExecutionException e) {
        // Shut down underneath us: drop what is queued rather than wedge the queue forever.
        active = null;
        tasks.clear();
        throw e;
      }
    }
  }
}
