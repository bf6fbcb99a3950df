package io.tandem.sim.pbx;

import java.time.Duration;
import java.util.Objects;

/**
 * Fault injection shared by the simulated management servers. Thread-safe (volatile fields).
 *
 * <ul>
 *   <li>{@link #answerDelay(Duration)}: every answer after login waits this long (slow PBX);
 *   <li>{@link #dropNextRequest()}: the next request closes the connection without an answer;
 *   <li>the servers' {@code dropConnections()} closes every open connection now.
 * </ul>
 */
public final class PbxFaults {

  private volatile Duration answerDelay = Duration.ZERO;
  private volatile boolean dropNext;

  public PbxFaults answerDelay(Duration delay) {
    this.answerDelay = Objects.requireNonNull(delay, "delay");
    return this;
  }

  public Duration answerDelay() {
    return answerDelay;
  }

  public PbxFaults dropNextRequest() {
    this.dropNext = true;
    return this;
  }

  /** True once after {@link #dropNextRequest()}. */
  synchronized boolean takeDrop() {
    boolean d = dropNext;
    dropNext = false;
    return d;
  }

  /** Clears every fault. */
  public void reset() {
    answerDelay = Duration.ZERO;
    dropNext = false;
  }

  void delay() throws InterruptedException {
    Duration d = answerDelay;
    if (!d.isZero()) {
      Thread.sleep(d); // simulated slowness of the server, not a test waiting for something
    }
  }
}
