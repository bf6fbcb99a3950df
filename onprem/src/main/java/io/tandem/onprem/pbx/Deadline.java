package io.tandem.onprem.pbx;

import java.time.Duration;
import java.util.Locale;

/**
 * A point on the monotonic clock by which one exchange with a PBX must be done, and when it started
 * (so errors can say "lost after 1.2 s"). Immutable.
 *
 * @param startNanos {@link System#nanoTime()} when it began
 * @param endNanos {@link System#nanoTime()} when it expires
 */
public record Deadline(long startNanos, long endNanos) {

  /** A deadline {@code within} from now. */
  public static Deadline in(Duration within) {
    long now = System.nanoTime();
    return new Deadline(now, now + within.toNanos());
  }

  /** The time left, never negative. */
  public Duration remaining() {
    return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
  }

  /** The time left in whole milliseconds, at least 1 (a socket timeout of 0 means forever). */
  public int remainingMillis() {
    long ms = remaining().toMillis();
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
  }

  public boolean expired() {
    return System.nanoTime() - endNanos >= 0;
  }

  /** The whole budget. */
  public Duration budget() {
    return Duration.ofNanos(endNanos - startNanos);
  }

  /** Time since the start. */
  public Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** A duration for messages: {@code 850 ms}, {@code 1.2 s} or {@code 2.5 min}. */
  public static String words(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    return String.format(Locale.ROOT, "%.1f min", ms / 60_000.0);
  }
}
