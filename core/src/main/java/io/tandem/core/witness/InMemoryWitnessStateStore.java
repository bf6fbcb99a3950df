package io.tandem.core.witness;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Witness state kept in memory; "durable" across a simulated witness restart because the simulation
 * keeps the store and builds a new {@link BuiltInWitness} on it. Thread-safe.
 */
public final class InMemoryWitnessStateStore implements WitnessStateStore {

  private final Map<String, PersistedTicket> records = new ConcurrentHashMap<>();
  private final LongAdder saves = new LongAdder();

  @Override
  public Map<String, PersistedTicket> loadAll() {
    return Map.copyOf(records);
  }

  @Override
  public void save(PersistedTicket ticket) {
    records.put(ticket.cluster(), ticket);
    saves.increment();
  }

  /** How many saves were made (for tests and benchmarks). */
  public long saves() {
    return saves.sum();
  }
}
