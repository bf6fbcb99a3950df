package io.tandem.core.health;

import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/**
 * A {@link TaskScheduler} driven by the test: {@link #advance} moves the {@link ManualClock} to
 * each due task in time order and runs it on the caller's thread. Deterministic: ties run in
 * scheduling order.
 */
public final class ManualScheduler implements TaskScheduler {

  private record Task(Instant due, long seq, Runnable run, boolean[] cancelled) {}

  private final ManualClock clock;
  private final PriorityQueue<Task> queue =
      new PriorityQueue<>(
          (a, b) ->
              a.due().equals(b.due())
                  ? Long.compare(a.seq(), b.seq())
                  : a.due().compareTo(b.due()));
  private long seq;

  public ManualScheduler(ManualClock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    boolean[] cancelled = {false};
    Duration d = delay.isNegative() ? Duration.ZERO : delay;
    queue.add(new Task(clock.instant().plus(d), seq++, task, cancelled));
    return () -> {
      synchronized (ManualScheduler.this) {
        cancelled[0] = true;
      }
    };
  }

  /** Runs everything due within {@code d}, moving the clock; ends with the clock at now + d. */
  public void advance(Duration d) {
    Instant end = clock.instant().plus(d);
    for (int guard = 0; guard < 1_000_000; guard++) {
      Task t;
      synchronized (this) {
        t = queue.peek();
        if (t == null || t.due().isAfter(end)) {
          break;
        }
        queue.poll();
        if (t.cancelled()[0]) {
          continue;
        }
      }
      if (t.due().isAfter(clock.instant())) {
        clock.set(t.due());
      }
      t.run().run();
    }
    clock.set(end);
  }

  /** Tasks still scheduled and not cancelled. */
  public synchronized long pending() {
    return queue.stream().filter(t -> !t.cancelled()[0]).count();
  }
}
