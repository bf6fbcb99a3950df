package io.tandem.core.runbook;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.tandem.core.runbook.report.RunReports;
import java.util.List;

/**
 * A dry run: every stage and step in run order with what it would change, from observe. Ordering is
 * the runbook's, so the same runbook and world give the same plan.
 *
 * @param runbook runbook name
 * @param kind run kind
 * @param drill whether it would run as a drill
 * @param token the token it would act under, as {@code cluster/site@epoch}
 * @param stages stages in run order
 */
public record Plan(
    String runbook, String kind, boolean drill, String token, List<PlannedStage> stages) {

  /** One stage of the plan. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PlannedStage(
      int number, String name, String kind, String gate, List<PlannedStep> steps) {}

  /**
   * One step of the plan.
   *
   * @param number {@code <stage>.<step>}, e.g. {@code 2.1}
   * @param error set when observe failed; the plan is then incomplete for this step
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PlannedStep(
      String number,
      String id,
      String title,
      String provider,
      boolean safeToRepeat,
      boolean bestEffort,
      long timeoutMillis,
      String resource,
      String before,
      String after,
      boolean changeNeeded,
      String error) {}

  /** Number of steps that would change something. */
  public long changes() {
    return stages.stream()
        .flatMap(s -> s.steps().stream())
        .filter(PlannedStep::changeNeeded)
        .count();
  }

  /** Pretty JSON. */
  public String toJson() {
    return RunReports.toJson(this);
  }

  /** For people: one block per stage, one line per step and one per change. */
  public String toText() {
    StringBuilder out = new StringBuilder();
    out.append("Plan: ")
        .append(runbook)
        .append(" (")
        .append(kind.toLowerCase(java.util.Locale.ROOT));
    out.append(drill ? ", drill" : "").append(", acting as ").append(token).append(")\n");
    for (PlannedStage stage : stages) {
      out.append("\nStage ").append(stage.number()).append('/').append(stages.size()).append(": ");
      out.append(stage.name()).append(" [").append(stage.kind()).append(']');
      if (stage.steps().size() > 1) {
        out.append(" — ").append(stage.steps().size()).append(" steps in parallel");
      }
      out.append('\n');
      if (stage.gate() != null) {
        out.append("  waits for approval: ").append(stage.gate()).append('\n');
      }
      for (PlannedStep s : stage.steps()) {
        out.append("  ").append(s.number()).append(' ').append(s.title());
        out.append("  (").append(s.id()).append(", ").append(s.provider());
        out.append(s.bestEffort() ? ", best effort" : "");
        out.append(s.safeToRepeat() ? "" : ", NOT safe to repeat");
        out.append(", timeout ").append(s.timeoutMillis()).append(" ms)\n");
        if (s.error() != null) {
          out.append("      cannot observe: ").append(s.error()).append('\n');
        } else if (s.changeNeeded()) {
          out.append("      ").append(s.resource()).append(": ").append(s.before());
          out.append(" → ").append(s.after()).append('\n');
        } else {
          out.append("      ").append(s.resource()).append(": ").append(s.before());
          out.append(" (no change)\n");
        }
      }
    }
    out.append("\n").append(changes()).append(" step(s) would change something.\n");
    return out.toString();
  }
}
