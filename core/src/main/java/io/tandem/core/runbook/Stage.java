package io.tandem.core.runbook;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A stage: steps that run in parallel, or one approval gate. The next stage starts only when every
 * step of this one has finished.
 *
 * @param name short name shown in plans and reports
 * @param kind role of the stage
 * @param steps steps run in parallel, in declared order for plans and reports
 * @param gate the gate, for a {@link StageKind#GATE} stage (which has no steps)
 */
public record Stage(String name, StageKind kind, List<Step> steps, Optional<Gate> gate) {

  public Stage {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    steps = List.copyOf(steps);
    Objects.requireNonNull(gate, "gate");
    if (kind == StageKind.GATE && (gate.isEmpty() || !steps.isEmpty())) {
      throw new IllegalArgumentException("a GATE stage holds exactly one gate and no steps");
    }
    if (kind != StageKind.GATE && (gate.isPresent() || steps.isEmpty())) {
      throw new IllegalArgumentException("stage '" + name + "' needs at least one step");
    }
  }

  public static Stage of(String name, StageKind kind, List<Step> steps) {
    return new Stage(name, kind, steps, Optional.empty());
  }

  public static Stage gate(Gate gate) {
    return new Stage("gate " + gate.id(), StageKind.GATE, List.of(), Optional.of(gate));
  }
}
