package io.tandem.core.runbook;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Pauses between verification polls. Injected so that tests can advance a fake clock instead of
 * waiting.
 */
@FunctionalInterface
public interface Pacer {

  /** Pauses the calling thread; real time. */
  Pacer REAL_TIME = d -> TimeUnit.NANOSECONDS.sleep(d.toNanos());

  void pause(Duration duration) throws InterruptedException;
}
