package io.tandem.core.runbook;

import java.time.Duration;
import java.util.Objects;

/**
 * Timing policy of one step.
 *
 * @param timeout bound on the whole step (observe, apply with retries, verification polling)
 * @param maxAttempts attempts per phase for {@code TRANSIENT} failures (1 = no retry); apply of a
 *     step that is not safe to repeat is always attempted once
 * @param initialBackoff first retry interval; grows by {@code multiplier} with random jitter
 * @param multiplier exponential backoff multiplier (≥ 1)
 * @param jitter randomisation factor in [0, 1): each interval is spread ± this fraction
 * @param verifyInterval pause between verification polls
 */
public record StepPolicy(
    Duration timeout,
    int maxAttempts,
    Duration initialBackoff,
    double multiplier,
    double jitter,
    Duration verifyInterval) {

  public StepPolicy {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(verifyInterval, "verifyInterval");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be > 0, was " + timeout);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
    }
    if (initialBackoff.isNegative() || initialBackoff.isZero()) {
      throw new IllegalArgumentException("initialBackoff must be > 0, was " + initialBackoff);
    }
    if (multiplier < 1.0) {
      throw new IllegalArgumentException("multiplier must be >= 1, was " + multiplier);
    }
    if (jitter < 0 || jitter >= 1) {
      throw new IllegalArgumentException("jitter must be in [0, 1), was " + jitter);
    }
    if (verifyInterval.isNegative()) {
      throw new IllegalArgumentException("verifyInterval must be >= 0, was " + verifyInterval);
    }
  }

  /** 30 s per step, 4 attempts from 500 ms doubling with 50 % jitter, verification every 1 s. */
  public static StepPolicy defaults() {
    return new StepPolicy(
        Duration.ofSeconds(30), 4, Duration.ofMillis(500), 2.0, 0.5, Duration.ofSeconds(1));
  }

  public StepPolicy withTimeout(Duration value) {
    return new StepPolicy(value, maxAttempts, initialBackoff, multiplier, jitter, verifyInterval);
  }

  public StepPolicy withRetry(int attempts, Duration backoff) {
    return new StepPolicy(timeout, attempts, backoff, multiplier, jitter, verifyInterval);
  }

  public StepPolicy withVerifyInterval(Duration value) {
    return new StepPolicy(timeout, maxAttempts, initialBackoff, multiplier, jitter, value);
  }
}
