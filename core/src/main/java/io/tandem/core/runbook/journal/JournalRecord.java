package io.tandem.core.runbook.journal;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One journal event.
 *
 * @param seq 1, 2, 3… without gaps within a journal
 * @param type what happened
 * @param at wall-clock time it was written
 * @param step step or gate id, empty for run-level records
 * @param fields details, sorted by key (stable output)
 */
public record JournalRecord(
    long seq, RecordType type, Instant at, String step, Map<String, String> fields) {

  public JournalRecord {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(at, "at");
    step = step == null ? "" : step;
    fields =
        fields == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(fields));
  }

  /** A field, if present. */
  public Optional<String> field(String key) {
    return Optional.ofNullable(fields.get(key));
  }

  /** A field, or {@code ""}. */
  public String get(String key) {
    return fields.getOrDefault(key, "");
  }
}
