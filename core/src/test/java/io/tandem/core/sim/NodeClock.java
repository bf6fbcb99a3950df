package io.tandem.core.sim;

/**
 * A node's clock: {@code local(t) = offset + t + t * ppm / 1e6} for true time {@code t}. The rate
 * error {@code ppm} is bounded by the simulation's drift bound. Used both as the node's monotonic
 * clock (nanos) and, for the witness, as its wall clock.
 */
record NodeClock(long offsetNanos, long ppm) {

  long local(long trueNanos) {
    return offsetNanos + trueNanos + trueNanos * ppm / 1_000_000L;
  }

  /** The earliest true time at which this clock reads at least {@code localNanos}. */
  long trueAt(long localNanos) {
    double approx = (localNanos - offsetNanos) / (1.0 + ppm / 1e6);
    long t = (long) approx - 2;
    for (int i = 0; i < 64 && local(t) < localNanos; i++) {
      t++;
    }
    return t;
  }
}
