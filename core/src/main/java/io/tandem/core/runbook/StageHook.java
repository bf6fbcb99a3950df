package io.tandem.core.runbook;

import java.util.List;

/**
 * The runbook engine's hook point: called before and after each stage of a run (not at gates), on
 * the run's thread, so operators' programs ({@code hooks:} in the cluster file) run in order with
 * the stages. What it returns is journaled ({@code HOOK_RAN}) and shown in the run's report. A
 * stage hook never vetoes or stops a run (a failover must not wait on a program); it bounds its own
 * time.
 */
@FunctionalInterface
public interface StageHook {

  /** No hooks. */
  StageHook NONE = e -> List.of();

  /**
   * One stage boundary.
   *
   * @param context the run (id, kind, drill, token)
   * @param runbook the runbook's name
   * @param stageNumber 1-based
   * @param stage the stage's name
   * @param kind the stage's kind
   * @param before true before the stage runs, false after
   */
  record StageEvent(
      StepContext context,
      String runbook,
      int stageNumber,
      String stage,
      StageKind kind,
      boolean before) {}

  /**
   * @return one sentence per program run (name, exit, output excerpt), for the run report; empty
   *     when none ran
   */
  List<String> at(StageEvent event);
}
