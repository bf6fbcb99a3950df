package io.tandem.core.agent;

import java.util.Objects;

/**
 * A peer's answer to "confirm you are not serving and will not acquire". The promiser keeps it on
 * its own monotonic clock ({@code issuedAtNanos}..{@code expiresAtNanos}); the promisee cannot read
 * that clock, so it anchors the promise at the send time of its request ({@code
 * requestSentAtNanos}, echoed back) plus the promised duration minus its drift margin, which ends
 * no later than the promise does.
 *
 * @param promiser the site that promises
 * @param promisee the site that asked
 * @param requestSentAtNanos when the promisee sent the request (promisee's clock)
 * @param issuedAtNanos when the promiser answered (promiser's clock)
 * @param expiresAtNanos until when the promiser will not acquire (promiser's clock)
 * @param promised false if the promiser refused (it is acquiring, active or fencing)
 * @param words why, for the decision log
 */
public record PeerPromise(
    String promiser,
    String promisee,
    long requestSentAtNanos,
    long issuedAtNanos,
    long expiresAtNanos,
    boolean promised,
    String words) {

  public PeerPromise {
    Objects.requireNonNull(promiser, "promiser");
    Objects.requireNonNull(promisee, "promisee");
    Objects.requireNonNull(words, "words");
  }

  /** The promised duration in nanos. */
  public long durationNanos() {
    return expiresAtNanos - issuedAtNanos;
  }
}
