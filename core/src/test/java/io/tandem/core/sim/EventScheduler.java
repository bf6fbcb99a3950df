package io.tandem.core.sim;

import java.util.PriorityQueue;

/**
 * A discrete-event scheduler on true (simulated) time: a priority queue of timed actions, ties
 * broken by insertion order so a run is a pure function of its seed. No threads.
 */
final class EventScheduler {

  private record Event(long at, long seq, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private long now;
  private long seq;
  private long executed;

  long now() {
    return now;
  }

  long executed() {
    return executed;
  }

  void at(long trueNanos, Runnable action) {
    queue.add(new Event(Math.max(trueNanos, now), seq++, action));
  }

  void after(long delayNanos, Runnable action) {
    at(now + delayNanos, action);
  }

  /**
   * Run events until the queue is empty or the next is after {@code untilNanos}; calls {@code
   * afterEach} after every event. Bounded by {@code maxEvents}.
   */
  void runUntil(long untilNanos, Runnable afterEach, long maxEvents) {
    while (!queue.isEmpty() && queue.peek().at <= untilNanos) {
      if (executed >= maxEvents) {
        throw new IllegalStateException("simulation exceeded " + maxEvents + " events");
      }
      Event e = queue.poll();
      now = e.at;
      e.action.run();
      executed++;
      afterEach.run();
    }
    now = Math.max(now, untilNanos);
  }
}
