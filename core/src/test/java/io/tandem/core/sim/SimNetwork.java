package io.tandem.core.sim;

import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A simulated network between named nodes: per directed link a delay range, a loss probability and
 * an up/down flag (partitions). Delivery is an event on the scheduler; all randomness comes from
 * the simulation's seeded generator.
 */
final class SimNetwork {

  static final class Link {
    long minDelayNanos = 1_000_000;
    long maxDelayNanos = 20_000_000;
    double loss;
    boolean up = true;

    /** Share of messages delivered twice (each copy with its own delay). */
    double duplicate;

    /** While set, the delay range of a slow link (e.g. up to several seconds): reorders too. */
    long slowMaxDelayNanos;
  }

  private final EventScheduler scheduler;
  private final RandomGenerator random;
  private final Map<String, Link> links = new HashMap<>();
  private long sent;
  private long dropped;
  private long duplicated;

  SimNetwork(EventScheduler scheduler, RandomGenerator random) {
    this.scheduler = scheduler;
    this.random = random;
  }

  Link link(String from, String to) {
    return links.computeIfAbsent(from + "->" + to, k -> new Link());
  }

  /** Set both directions between {@code a} and {@code b} up or down. */
  void connect(String a, String b, boolean up) {
    link(a, b).up = up;
    link(b, a).up = up;
  }

  void loss(String a, String b, double loss) {
    link(a, b).loss = loss;
    link(b, a).loss = loss;
  }

  void delay(String a, String b, long minNanos, long maxNanos) {
    for (Link l : new Link[] {link(a, b), link(b, a)}) {
      l.minDelayNanos = minNanos;
      l.maxDelayNanos = maxNanos;
    }
  }

  /** Send: maybe dropped, otherwise {@code deliver} runs after the link's delay. */
  void send(String from, String to, Runnable deliver) {
    sent++;
    Link l = link(from, to);
    // Draw both numbers every time so a partition does not shift the random stream differently.
    double p = random.nextDouble();
    long delay =
        l.minDelayNanos
            + (l.maxDelayNanos > l.minDelayNanos
                ? random.nextLong(l.maxDelayNanos - l.minDelayNanos)
                : 0);
    if (l.slowMaxDelayNanos > 0) {
      delay += random.nextLong(l.slowMaxDelayNanos); // only drawn on a slowed link
    }
    if (!l.up || p < l.loss) {
      dropped++;
      return;
    }
    if (l.duplicate > 0 && random.nextDouble() < l.duplicate) {
      long again =
          l.minDelayNanos + random.nextLong(Math.max(1, l.maxDelayNanos + l.slowMaxDelayNanos));
      duplicated++;
      deliver(from, to, again, deliver);
    }
    deliver(from, to, delay, deliver);
  }

  private void deliver(String from, String to, long delay, Runnable deliver) {
    scheduler.after(
        delay,
        () -> {
          // A partition that starts while the message is in flight also drops it.
          if (link(from, to).up) {
            deliver.run();
          } else {
            dropped++;
          }
        });
  }

  long sent() {
    return sent;
  }

  long dropped() {
    return dropped;
  }

  long duplicated() {
    return duplicated;
  }
}
