package io.tandem.core.runbook;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/** Builds a {@link Plan} by observing every step; calls nothing but {@link Step#observe}. */
final class Planner {

  private Planner() {}

  static Plan plan(
      Runbook runbook, StepContext ctx, BiFunction<Step, StepContext, Observation> observe) {
    List<Plan.PlannedStage> stages = new ArrayList<>();
    int n = 0;
    for (Stage stage : runbook.stages()) {
      n++;
      List<Plan.PlannedStep> steps = new ArrayList<>();
      int m = 0;
      for (Step step : stage.steps()) {
        m++;
        StepSpec spec = step.spec();
        Observation obs = null;
        String error = null;
        try {
          obs = observe.apply(step, ctx);
        } catch (RuntimeException e) {
          error = e.getMessage();
        }
        steps.add(
            new Plan.PlannedStep(
                n + "." + m,
                spec.id(),
                spec.title(),
                spec.provider(),
                spec.safeToRepeat(),
                spec.bestEffort(),
                spec.policy().timeout().toMillis(),
                obs == null ? null : obs.resource(),
                obs == null ? null : obs.before(),
                obs == null ? null : obs.after(),
                obs != null && obs.changeNeeded(),
                error));
      }
      stages.add(
          new Plan.PlannedStage(
              n,
              stage.name(),
              stage.kind().name(),
              stage
                  .gate()
                  .map(
                      g ->
                          g.prompt() + " (timeout " + g.timeout() + ", then " + g.onTimeout() + ")")
                  .orElse(null),
              steps));
    }
    return new Plan(
        runbook.name(), runbook.kind().name(), ctx.drill(), ctx.token().toString(), stages);
  }

  /** Observes one step on {@code executor}, bounded by the step's timeout. */
  static Observation observeBounded(
      java.util.concurrent.Executor executor, Step step, StepContext ctx) {
    java.util.concurrent.FutureTask<Observation> task =
        new java.util.concurrent.FutureTask<>(() -> step.observe(ctx));
    executor.execute(task);
    try {
      return task.get(
          step.spec().policy().timeout().toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      task.cancel(true);
      throw new io.tandem.core.error.TransientException(
          "observe timed out after " + step.spec().policy().timeout());
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new io.tandem.core.error.TransientException(
          "observe failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new io.tandem.core.error.TransientException("plan interrupted", e);
    }
  }
}
