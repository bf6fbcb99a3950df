package io.tandem.core.health;

/**
 * Told when a site's health changes: the site's verdict or level (OK/WARN/FAIL) changes, or a
 * sensor goes up or down (after hysteresis), or a sensor's reading changes between OK, WARN and
 * failing. Not told about readings that change nothing.
 */
@FunctionalInterface
public interface HealthListener {

  /**
   * Called sequentially, in the order the changes happened, never concurrently with itself or
   * another listener of the same monitor, and never on the decision loop's thread (see {@link
   * SiteHealthMonitor} for the executor). Must not block for long; exceptions are logged and
   * swallowed.
   *
   * @param previous the snapshot before the change
   * @param current the snapshot after it
   */
  void changed(SiteHealth previous, SiteHealth current);
}
