package io.tandem.core.agent;

import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} decisions, oldest first, for the API, console and logs. A ring buffer:
 * O(1) per record, bounded memory. Thread-safe.
 */
public final class DecisionHistory {

  private final Decision[] ring;
  private int next;
  private long recorded;

  public DecisionHistory(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
    }
    ring = new Decision[capacity];
  }

  public synchronized void record(Decision d) {
    ring[next] = d;
    next = (next + 1) % ring.length;
    recorded++;
  }

  /** Up to {@code capacity} latest decisions, oldest first. */
  public synchronized List<Decision> recent() {
    List<Decision> out = new ArrayList<>(ring.length);
    for (int i = 0; i < ring.length; i++) {
      Decision d = ring[(next + i) % ring.length];
      if (d != null) {
        out.add(d);
      }
    }
    return out;
  }

  /** The latest decision, or null before the first tick. */
  public synchronized Decision latest() {
    return ring[(next - 1 + ring.length) % ring.length];
  }

  /** How many decisions were ever recorded (including those that fell out of the buffer). */
  public synchronized long recorded() {
    return recorded;
  }
}
