package io.tandem.app.security;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per client address: {@code burst} tokens, one more every {@code refill}. Used to
 * ration what a client may make the server spend (a password check, an audit entry). Bounded: at
 * most {@code maxClients} buckets are kept, the least recently used dropped first (a dropped client
 * starts again with a full bucket, which costs at most one burst). Thread-safe.
 */
final class ClientBuckets {

  private static final class Bucket {
    double tokens;
    long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }

  private final int burst;
  private final long refillNanos;
  private final LongSupplier nanos;
  private final Map<String, Bucket> buckets;

  ClientBuckets(int burst, Duration refill, int maxClients, LongSupplier nanos) {
    this.burst = burst;
    this.refillNanos = refill.toNanos();
    this.nanos = nanos;
    this.buckets =
        new LinkedHashMap<>(64, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
            return size() > maxClients;
          }
        };
  }

  /** Takes a token if there is one. */
  synchronized boolean tryTake(String client) {
    Bucket b = refilled(client);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Whether a token is there, without taking it. */
  synchronized boolean has(String client) {
    return refilled(client).tokens >= 1;
  }

  /** Takes a token, or none if the bucket is empty (the client is then throttled anyway). */
  synchronized void take(String client) {
    Bucket b = refilled(client);
    b.tokens = Math.max(0, b.tokens - 1);
  }

  /** Whole seconds until the next token, at least 1. */
  synchronized long retryAfterSeconds(String client) {
    Bucket b = refilled(client);
    double missing = Math.max(0, 1 - b.tokens);
    long nanosLeft = (long) Math.ceil(missing * refillNanos);
    return Math.max(1, (nanosLeft + 999_999_999L) / 1_000_000_000L);
  }

  private Bucket refilled(String client) {
    long now = nanos.getAsLong();
    Bucket b = buckets.computeIfAbsent(client, c -> new Bucket(burst, now));
    long elapsed = now - b.at;
    if (elapsed > 0) {
      b.tokens = Math.min(burst, b.tokens + (double) elapsed / refillNanos);
      b.at = now;
    }
    return b;
  }
}
