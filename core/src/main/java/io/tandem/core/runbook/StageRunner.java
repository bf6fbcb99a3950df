package io.tandem.core.runbook;

import io.tandem.core.error.TransientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the stages of one run for {@link RunbookEngine}: gates through the gate keeper, the steps of
 * a stage in parallel on the executor, each awaited until its deadline (then resolved as timed
 * out), a cancelled run's steps resolved as fenced, and the run stopped after a stage in which a
 * required step failed. Stateless apart from its collaborators; thread-safe.
 */
final class StageRunner {

  private static final Logger log = LoggerFactory.getLogger(StageRunner.class);

  private final Executor executor;
  private final LongSupplier ticker;
  private final GateKeeper gateKeeper;
  private final StageHook hook;

  StageRunner(Executor executor, LongSupplier ticker, GateKeeper gateKeeper, StageHook hook) {
    this.executor = executor;
    this.ticker = ticker;
    this.gateKeeper = gateKeeper;
    this.hook = hook;
  }

  RunContext.Stop runStages(Runbook runbook, RunContext run) {
    int number = 0;
    for (Stage stage : runbook.stages()) {
      number++;
      if (run.stopped().isPresent()) {
        break;
      }
      if (stage.gate().isPresent()) {
        GatePassage.pass(stage.gate().get(), run, gateKeeper);
        continue;
      }
      hooks(runbook, number, stage, true, run);
      List<StepStatus> statuses = runStage(stage, run);
      hooks(runbook, number, stage, false, run);
      for (int i = 0; i < statuses.size(); i++) {
        String id = stage.steps().get(i).spec().id();
        switch (statuses.get(i)) {
          case MANUAL_INTERVENTION ->
              run.stop(
                  RunOutcome.NEEDS_MANUAL_INTERVENTION,
                  "step " + id + " needs manual intervention (see its result)");
          case FAILED -> run.stop(RunOutcome.FAILED, "step " + id + " failed (see its result)");
          case FENCED -> run.stop(RunOutcome.FENCED, "ticket lost during step " + id);
          default -> {}
        }
      }
    }
    return run.stopped()
        .orElse(new RunContext.Stop(RunOutcome.SUCCEEDED, "every required step verified"));
  }

  /** Runs the stage hooks and journals what they did; a hook's failure never stops the run. */
  private void hooks(Runbook runbook, int number, Stage stage, boolean before, RunContext run) {
    List<String> words;
    try {
      words =
          hook.at(
              new StageHook.StageEvent(
                  run.stepContext, runbook.name(), number, stage.name(), stage.kind(), before));
    } catch (RuntimeException e) {
      words = List.of("hooks failed: " + e.getMessage());
    }
    for (String w : words) {
      run.journal(
          io.tandem.core.runbook.journal.RecordType.HOOK_RAN,
          "",
          java.util.Map.of("stage", stage.name(), "when", before ? "before" : "after", "words", w));
    }
  }

  private List<StepStatus> runStage(Stage stage, RunContext run) {
    List<StepRun> runs = new ArrayList<>();
    List<FutureTask<StepStatus>> tasks = new ArrayList<>();
    for (Step step : stage.steps()) {
      StepRun r = new StepRun(step, run, stage.name());
      FutureTask<StepStatus> task = new FutureTask<>(r);
      runs.add(r);
      tasks.add(task);
      run.running(task, r);
      executor.execute(task);
    }
    List<StepStatus> statuses = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      try {
        statuses.add(await(runs.get(i), tasks.get(i), run));
      } finally {
        run.done(tasks.get(i));
      }
    }
    return statuses;
  }

  private StepStatus await(StepRun r, FutureTask<StepStatus> task, RunContext run) {
    long left = r.deadlineNanos() - ticker.getAsLong();
    try {
      return task.get(Math.max(0, left), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.CancellationException e) {
      // cancelled by a self-fence (cancel/cancelAll); the step may still be unwinding
      String why = run.stopped().map(RunContext.Stop::reason).orElse("run cancelled");
      return r.cancelled(why).orElseGet(() -> r.resolvedStatus().orElse(StepStatus.FENCED));
    } catch (TimeoutException e) {
      // resolve first, then interrupt: the step's reaction to the interrupt must not win the race
      Optional<StepStatus> timedOut = r.timedOut();
      task.cancel(true);
      if (timedOut.isPresent()) {
        log.warn("step {} timed out", r.id());
        return timedOut.get();
      }
      // it resolved itself just as it timed out: its journaled status stands (the task was
      // cancelled above, so its own result is no longer available)
      return r.resolvedStatus().orElseGet(() -> awaitDone(task));
    } catch (ExecutionException e) {
      return rethrow(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException(
          "run " + "interrupted while waiting for step " + r.id() + "; resume it from its journal",
          e);
    }
  }

  private static StepStatus awaitDone(FutureTask<StepStatus> task) {
    // The step resolved itself just as it timed out; its status stands.
    try {
      return task.get();
    } catch (ExecutionException e) {
      return rethrow(e);
    } catch (java.util.concurrent.CancellationException e) {
      return StepStatus.FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("interrupted; resume the run from its journal", e);
    }
  }

  private static StepStatus rethrow(ExecutionException e) {
    if (e.getCause() instanceof Error err) {
      throw err; // a crash (or a crash test): leave the journal as it is
    }
    throw new IllegalStateException("step task failed unexpectedly", e.getCause());
  }
}
