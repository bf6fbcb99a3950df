package io.tandem.core.sync;

import java.util.function.BooleanSupplier;

/**
 * Port: moves one job's data from this site (the holder) to {@code peer}. The default runner is
 * {@link SyncPipeline} (a {@link SyncSender} over a {@link SyncChannel}); rsync over SSH is
 * another.
 */
@FunctionalInterface
public interface SyncRunner {

  /**
   * What a run moved.
   *
   * @param upToDate nothing differed
   * @param files files or keys changed on the receiver
   * @param rows rows copied
   * @param bytes bytes moved
   * @param words the receiver's words, e.g. {@code "2 files replaced, reload res_pjsip.so: ok"}
   */
  record Result(boolean upToDate, long files, long rows, long bytes, String words) {}

  /**
   * Runs once.
   *
   * @param stillAllowed re-checks the sender's gate for the same epoch; the run stops when false
   * @throws SyncRefusedException when the receiver refused
   * @throws SyncFailedException when the run failed part-way (the receiver is unchanged)
   */
  Result push(String job, String peer, long epoch, BooleanSupplier stillAllowed);
}
