package io.tandem.core.sync;

import io.tandem.core.config.SyncReload;

/** Port: runs the PBX reload a job names after the receiver applied a change. */
@FunctionalInterface
public interface SyncReloader {

  /**
   * Runs {@code reload} on this site's PBX.
   *
   * @return what the PBX answered, in words
   * @throws io.tandem.core.error.TandemException when the reload failed
   */
  String reload(SyncReload reload);
}
