package io.tandem.core.witness;

import java.util.Map;

/**
 * Durable state of the built-in witness. {@link #save} returns only once the record survives a
 * crash of the process and of the machine (for a file: written, fsynced, atomically renamed, and
 * the directory fsynced). Implementations are thread-safe for concurrent saves of different
 * clusters; the witness never saves the same cluster concurrently.
 */
public interface WitnessStateStore {

  /** Every persisted cluster record. */
  Map<String, PersistedTicket> loadAll();

  /**
   * Make {@code ticket} durable, replacing the cluster's previous record.
   *
   * @throws io.tandem.core.error.TransientException if it could not be made durable (the witness
   *     then refuses the grant)
   */
  void save(PersistedTicket ticket);
}
