package io.tandem.app.witness.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Latencies counted in buckets: 1 µs wide up to 100 ms, 1 ms wide up to 10 s (longer ones in the
 * last). Not thread-safe: one per event-loop thread, merged at the end.
 */
final class LatencyHistogram {

  private static final int FINE = 100_000; // µs buckets: 0..100 ms
  private static final int COARSE = 10_000; // ms buckets: 0..10 s
  private final long[] micros = new long[FINE];
  private final long[] millis = new long[COARSE];
  private long count;
  private long maxNanos;

  void record(long nanos) {
    long us = Math.max(0, nanos / 1000);
    if (us < FINE) {
      micros[(int) us]++;
    } else {
      millis[(int) Math.min(COARSE - 1, us / 1000)]++;
    }
    count++;
    maxNanos = Math.max(maxNanos, nanos);
  }

  void add(LatencyHistogram other) {
    for (int i = 0; i < FINE; i++) {
      micros[i] += other.micros[i];
    }
    for (int i = 0; i < COARSE; i++) {
      millis[i] += other.millis[i];
    }
    count += other.count;
    maxNanos = Math.max(maxNanos, other.maxNanos);
  }

  long count() {
    return count;
  }

  /** The {@code q} quantile in ms (a bucket's upper edge). */
  double quantileMs(double q) {
    long rank = (long) Math.ceil(q * count);
    long seen = 0;
    for (int i = 0; i < FINE; i++) {
      seen += micros[i];
      if (seen >= rank && seen > 0) {
        return (i + 1) / 1000.0;
      }
    }
    for (int i = 0; i < COARSE; i++) {
      seen += millis[i];
      if (seen >= rank) {
        return i + 1;
      }
    }
    return maxNanos / 1e6;
  }

  Map<String, Object> figures() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("answers", count);
    if (count == 0) {
      return p;
    }
    p.put("p50_ms", AgentLoad.round(quantileMs(0.50)));
    p.put("p99_ms", AgentLoad.round(quantileMs(0.99)));
    p.put("p999_ms", AgentLoad.round(quantileMs(0.999)));
    p.put("max_ms", AgentLoad.round(maxNanos / 1e6));
    return p;
  }
}
