package io.tandem.core.runbook;

import io.tandem.core.error.ConfigException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An ordered list of stages. Immutable; step and gate ids are unique (the journal refers to them).
 *
 * @param name shown in plans and reports, e.g. {@code failover c1: a → b}
 * @param kind what sort of run
 * @param stages run one after the other
 */
public record Runbook(String name, RunKind kind, List<Stage> stages) {

  public Runbook {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    stages = List.copyOf(stages);
    if (stages.isEmpty()) {
      throw new ConfigException("runbook '" + name + "': field 'stages' must not be empty");
    }
    Set<String> seen = new HashSet<>();
    for (String id : ids(stages)) {
      if (!seen.add(id)) {
        throw new ConfigException("runbook '" + name + "': duplicate step or gate id '" + id + "'");
      }
    }
  }

  /** Every step and gate id in run order; the journal's run-started record stores this list. */
  public List<String> ids() {
    return ids(stages);
  }

  private static List<String> ids(List<Stage> stages) {
    List<String> ids = new ArrayList<>();
    for (Stage stage : stages) {
      stage.gate().ifPresent(g -> ids.add(g.id()));
      stage.steps().forEach(s -> ids.add(s.spec().id()));
    }
    return ids;
  }
}
