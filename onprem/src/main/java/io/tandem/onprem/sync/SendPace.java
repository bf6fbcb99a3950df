package io.tandem.onprem.sync;

import java.io.InterruptedIOException;
import java.util.concurrent.locks.LockSupport;

/**
 * Keeps a sender to its {@code bandwidthLimit} (as rsync's {@code --bwlimit}): after each write it
 * waits while the bytes sent so far are ahead of the limit. One per run; not thread-safe.
 */
final class SendPace {

  private final long bytesPerSecond;
  private final long started = System.nanoTime();
  private long sent;

  /**
   * @param bytesPerSecond the limit, 0 for none
   */
  SendPace(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Counts {@code n} more bytes sent and waits while ahead of the limit. */
  void sent(long n) throws InterruptedIOException {
    sent += n;
    if (bytesPerSecond <= 0) {
      return;
    }
    long due = started + (long) (sent * 1e9 / bytesPerSecond);
    long wait = due - System.nanoTime();
    if (wait > 0) {
      LockSupport.parkNanos(wait);
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("stopped while pacing");
      }
    }
  }
}
