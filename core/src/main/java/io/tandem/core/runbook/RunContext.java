package io.tandem.core.runbook;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.tandem.core.error.FencedException;
import io.tandem.core.runbook.journal.Journal;
import io.tandem.core.runbook.journal.RecordType;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/** Shared state of one executing run. Thread-safe: steps of a stage use it concurrently. */
final class RunContext {

  /** Why the run stops early. */
  record Stop(RunOutcome outcome, String reason) {}

  final Journal journal;
  final StepContext stepContext;
  final RunHistory history;
  final TicketGuard guard;
  final CrashHook crashHook;
  final CircuitBreakerRegistry breakers;
  final Clock clock;
  final LongSupplier ticker;
  final Pacer pacer;
  final RunListener listener;
  final ScheduledExecutorService cutOffs;
  private final AtomicReference<Stop> stop = new AtomicReference<>();
  private final Map<Future<?>, StepRun> running = new ConcurrentHashMap<>();

  RunContext(
      Journal journal,
      StepContext stepContext,
      RunHistory history,
      TicketGuard guard,
      CrashHook crashHook,
      CircuitBreakerRegistry breakers,
      Clock clock,
      LongSupplier ticker,
      Pacer pacer,
      RunListener listener,
      ScheduledExecutorService cutOffs) {
    this.journal = journal;
    this.stepContext = stepContext;
    this.history = history;
    this.guard = guard;
    this.crashHook = crashHook;
    this.breakers = breakers;
    this.clock = clock;
    this.ticker = ticker;
    this.pacer = pacer;
    this.listener = listener;
    this.cutOffs = cutOffs;
  }

  /** A step task of the current stage, to interrupt if the run is cancelled. */
  void running(Future<?> task, StepRun step) {
    running.put(task, step);
    if (stop.get() != null && stop.get().outcome() == RunOutcome.FENCED) {
      step.cancelled(stop.get().reason());
      task.cancel(true);
    }
  }

  void done(Future<?> task) {
    running.remove(task);
  }

  /**
   * Stops the run as FENCED, resolves every step still running as cancelled, then interrupts it (a
   * self-fence). Resolving first makes the cancellation, not the step's reaction to the interrupt,
   * the journaled result.
   */
  void cancel(String reason) {
    stop(RunOutcome.FENCED, reason);
    running.forEach(
        (task, step) -> {
          step.cancelled(reason);
          task.cancel(true);
        });
  }

  String runId() {
    return stepContext.runId();
  }

  /** Records the first reason to stop; later ones are ignored. */
  void stop(RunOutcome outcome, String reason) {
    stop.compareAndSet(null, new Stop(outcome, reason));
  }

  Optional<Stop> stopped() {
    return Optional.ofNullable(stop.get());
  }

  /** Throws {@link FencedException} unless we still hold the ticket with the run's epoch. */
  void checkTicket(String stepId) {
    if (!guard.holds(stepContext.token())) {
      throw new FencedException(
          "ticket lost: site "
              + stepContext.token().site()
              + " no longer holds epoch "
              + stepContext.token().epoch()
              + " of cluster "
              + stepContext.token().cluster()
              + " (checked before applying step "
              + stepId
              + ")");
    }
  }

  void crash(CrashPoint point, String stepId) {
    crashHook.at(point, stepId);
  }

  void journal(RecordType type, String step, Map<String, String> fields) {
    journal.append(type, step, fields);
  }
}
