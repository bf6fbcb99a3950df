package io.tandem.core.runbook;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.tandem.core.error.ConfigException;
import io.tandem.core.error.TransientException;
import io.tandem.core.runbook.journal.Journal;
import io.tandem.core.runbook.journal.JournalDirectory;
import io.tandem.core.runbook.journal.JournalRecord;
import io.tandem.core.runbook.journal.RecordType;
import io.tandem.core.runbook.report.ReportStore;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.core.runbook.report.RunReports;
import io.tandem.core.witness.FencingToken;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs runbooks: stages in order, the steps of a stage in parallel on the given executor, every
 * event journaled (and fsynced) before the action it announces, and resumes unfinished runs from
 * their journal.
 *
 * <p>Thread-safety: one engine may run several runs at once (each on the caller's thread, with its
 * steps on the executor); {@link #abort} may be called from any thread. The executor must have at
 * least as many threads as the widest stage, or step timeouts start counting before the step runs;
 * a direct executor ({@code Runnable::run}) runs steps one by one and cannot enforce timeouts
 * (tests use it for determinism).
 *
 * <p>The engine never catches {@link Error}: an {@code Error} thrown by a step (or by the crash
 * hook in tests) ends the call like a crash, leaving the journal to a later {@link #resume}.
 */
public final class RunbookEngine {

  private static final Logger log = LoggerFactory.getLogger(RunbookEngine.class);

  private final Clock clock;
  private final LongSupplier ticker;
  private final Executor executor;
  private final TicketGuard guard;
  private final JournalDirectory journals;
  private final GateKeeper gateKeeper;
  private final Optional<Notifier> notifier;
  private final Optional<ReportStore> reports;
  private final CrashHook crashHook;
  private final Pacer pacer;
  private final CircuitBreakerRegistry breakers;
  private final ConcurrentHashMap<String, RunContext> active = new ConcurrentHashMap<>();
  private final java.util.Set<String> creating = ConcurrentHashMap.newKeySet();

  private RunbookEngine(Builder b) {
    this.clock = b.clock;
    this.ticker = b.ticker;
    this.executor = b.executor;
    this.guard = b.guard;
    this.journals = b.journals;
    this.gateKeeper = b.gateKeeper;
    this.notifier = Optional.ofNullable(b.notifier);
    this.reports = Optional.ofNullable(b.reports);
    this.crashHook = b.crashHook;
    this.pacer = b.pacer;
    this.breakers =
        b.breakers != null ? b.breakers : CircuitBreakerRegistry.of(defaultBreakerConfig(clock));
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Circuit breaker per provider: opens when half of the last 10 calls (at least 5) failed
   * transiently, stays open 30 s. Only {@code TRANSIENT} failures count; a conflict or a permission
   * error says nothing about the provider's health.
   */
  public static CircuitBreakerConfig defaultBreakerConfig(Clock clock) {
    return CircuitBreakerConfig.custom()
        .slidingWindowSize(10)
        .minimumNumberOfCalls(5)
        .failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(30))
        .recordException(StepRun::transientFailure)
        .ignoreException(t -> !StepRun.transientFailure(t))
        .clock(clock)
        .build();
  }

  /** The breakers, one per provider (for health views). */
  public CircuitBreakerRegistry circuitBreakers() {
    return breakers;
  }

  /** Runs {@code runbook} from the start; returns its report (also stored, if a store is set). */
  public RunReport run(Runbook runbook, RunRequest request) {
    creating.add(request.runId());
    try {
      return start(runbook, request);
    } finally {
      creating.remove(request.runId());
    }
  }

  private RunReport start(Runbook runbook, RunRequest request) {
    Journal journal = journals.create(request.runId());
    Map<String, String> f = new LinkedHashMap<>();
    f.put("runId", request.runId());
    f.put("runbook", runbook.name());
    f.put("kind", runbook.kind().name());
    f.put("drill", Boolean.toString(request.drill()));
    f.put("cluster", request.token().cluster());
    f.put("site", request.token().site());
    f.put("epoch", Long.toString(request.token().epoch()));
    f.put("steps", String.join(",", runbook.ids()));
    request.outageStartedAt().ifPresent(t -> f.put("outageStartedAt", t.toString()));
    request.detectedAt().ifPresent(t -> f.put("detectedAt", t.toString()));
    request.decidedAt().ifPresent(t -> f.put("decidedAt", t.toString()));
    try {
      journal.append(RecordType.RUN_STARTED, "", f);
    } catch (RuntimeException e) {
      journal.close(); // nothing was done; the empty journal is cleaned up by unfinishedRuns()
      throw e;
    }
    StepContext ctx =
        new StepContext(request.runId(), runbook.kind(), request.drill(), request.token());
    return execute(runbook, journal, ctx);
  }

  /**
   * Continues an unfinished run from its journal: verified steps are skipped, a step with an intent
   * but no result is observed again before any apply, and a step that is not safe to repeat is
   * never applied twice. Returns the stored report if the run had already ended.
   *
   * @param token the token we hold now: same cluster and site, epoch ≥ the run's
   * @throws ConfigException if the runbook's steps differ from the journaled ones or the token does
   *     not fit
   */
  public RunReport resume(String runId, Runbook runbook, FencingToken token) {
    if (active.containsKey(runId)) {
      throw new ConfigException("run " + runId + " is already executing in this engine");
    }
    Journal journal = journals.open(runId);
    List<JournalRecord> records = journal.records();
    RunHistory history = RunHistory.of(records);
    JournalRecord started =
        history
            .started()
            .orElseThrow(
                () -> {
                  journal.close();
                  return new ConfigException(
                      "journal of run " + runId + " has no run-started record: nothing was done");
                });
    List<String> warnings = journal.recoveryWarning().stream().toList();
    if (history.ended().isPresent()) {
      journal.close();
      return RunReports.from(runbook, records, warnings);
    }
    String ids = String.join(",", runbook.ids());
    if (!ids.equals(started.get("steps"))) {
      journal.close();
      throw new ConfigException(
          "run "
              + runId
              + ": the runbook changed since the run started (journal steps: "
              + started.get("steps")
              + "; runbook steps: "
              + ids
              + "); finish it by hand or re-plan");
    }
    if (!token.cluster().equals(started.get("cluster"))
        || !token.site().equals(started.get("site"))
        || token.epoch() < Long.parseLong(started.get("epoch"))) {
      journal.close();
      throw new ConfigException(
          "run "
              + runId
              + " was started by "
              + started.get("cluster")
              + "/"
              + started.get("site")
              + "@"
              + started.get("epoch")
              + "; token "
              + token
              + " may not resume it");
    }
    Map<String, String> f = new LinkedHashMap<>();
    f.put("epoch", Long.toString(token.epoch()));
    journal.recoveryWarning().ifPresent(w -> f.put("recoveryWarning", w));
    journal.append(RecordType.RUN_RESUMED, "", f);
    log.info("resuming run {} ({}) with {}", runId, runbook.name(), token);
    StepContext ctx =
        new StepContext(runId, runbook.kind(), Boolean.parseBoolean(started.get("drill")), token);
    return execute(runbook, journal, ctx);
  }

  /**
   * Records that an operator finished a step by hand after the run halted with {@link
   * RunOutcome#NEEDS_MANUAL_INTERVENTION}; a following {@link #resume} treats the step as verified.
   *
   * @throws ConfigException if the run is executing or the step does not need intervention
   */
  public void resolveByHand(String runId, String stepId, String by, String note) {
    if (active.containsKey(runId)) {
      throw new ConfigException("run " + runId + " is executing; resolve steps only when halted");
    }
    try (Journal journal = journals.open(runId)) {
      RunHistory history = RunHistory.of(journal.records());
      Optional<JournalRecord> result = history.result(stepId);
      if (result.isEmpty() || !result.get().get("status").equals("MANUAL_INTERVENTION")) {
        throw new ConfigException(
            "run " + runId + ": step " + stepId + " is not waiting for manual intervention");
      }
      JournalRecord intent = history.intent(stepId).orElse(result.get());
      Map<String, String> f = new LinkedHashMap<>();
      f.put("status", StepStatus.VERIFIED.name());
      f.put("detail", "resolved by hand by " + by + ": " + note);
      f.put("resource", intent.get("resource"));
      f.put("before", intent.get("before"));
      f.put("after", intent.get("after"));
      f.put("startedAt", result.get().get("startedAt"));
      f.put("applyAttempts", "0");
      journal.append(RecordType.STEP_RESULT, stepId, f);
    }
  }

  /** Ids of runs with a journal but no end, sorted; resume each after a restart. */
  public List<String> unfinishedRuns() {
    return journals.unfinishedRuns(id -> active.containsKey(id) || creating.contains(id));
  }

  /**
   * Asks a running run to stop at the next step boundary: steps already running finish, no new step
   * starts, and the run ends as {@link RunOutcome#ABORTED}.
   *
   * @return false if no run with this id is executing in this engine
   */
  public boolean abort(String runId, String by, String reason) {
    RunContext run = active.get(runId);
    if (run == null) {
      return false;
    }
    run.journal(RecordType.ABORT_REQUESTED, "", Map.of("by", by, "reason", reason));
    run.stop(RunOutcome.ABORTED, "aborted by " + by + ": " + reason);
    gateKeeper.abandon(runId, reason);
    return true;
  }

  /** Dry run: what each step would change, from observe only. Changes and journals nothing. */
  public Plan plan(Runbook runbook, FencingToken token, boolean drill) {
    StepContext ctx = new StepContext("plan", runbook.kind(), drill, token);
    return Planner.plan(runbook, ctx, this::observeBounded);
  }

  private Observation observeBounded(Step step, StepContext ctx) {
    FutureTask<Observation> task = new FutureTask<>(() -> step.observe(ctx));
    executor.execute(task);
    try {
      return task.get(step.spec().policy().timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      task.cancel(true);
      throw new TransientException("observe timed out after " + step.spec().policy().timeout());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new TransientException("observe failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientException("plan interrupted", e);
    }
  }

  private RunReport execute(Runbook runbook, Journal journal, StepContext ctx) {
    RunHistory history = RunHistory.of(journal.records());
    RunContext run =
        new RunContext(journal, ctx, history, guard, crashHook, breakers, clock, ticker, pacer);
    history
        .abortRequested()
        .ifPresent(
            r ->
                run.stop(RunOutcome.ABORTED, "aborted by " + r.get("by") + ": " + r.get("reason")));
    active.put(ctx.runId(), run);
    try {
      RunContext.Stop end = runStages(runbook, run);
      // A run that needs manual intervention stays open: an operator resolves the step by hand
      // (see resolveByHand) and resumes it, so that it still ends in the planned final state.
      RecordType last =
          end.outcome() == RunOutcome.NEEDS_MANUAL_INTERVENTION
              ? RecordType.RUN_HALTED
              : RecordType.RUN_ENDED;
      journal.append(last, "", Map.of("outcome", end.outcome().name(), "reason", end.reason()));
      // Recovery warnings travel in the RUN_RESUMED record, which the report reads.
      RunReport report = RunReports.from(runbook, journal.records(), List.of());
      reports.ifPresent(
          store -> {
            try {
              store.save(report);
            } catch (RuntimeException e) {
              // the run is over and journaled; a report that cannot be stored must not undo it
              log.error("run {}: report not stored: {}", report.runId(), e.toString());
            }
          });
      journals.prune();
      if (end.outcome() != RunOutcome.SUCCEEDED) {
        notifyFailure(report);
      }
      return report;
    } finally {
      // Also on a crash-like Error: the OS would close the file too; the journal stays as written.
      active.remove(ctx.runId());
      gateKeeper.forget(ctx.runId());
      journal.close();
    }
  }

  private RunContext.Stop runStages(Runbook runbook, RunContext run) {
    for (Stage stage : runbook.stages()) {
      if (run.stopped().isPresent()) {
        break;
      }
      if (stage.gate().isPresent()) {
        GatePassage.pass(stage.gate().get(), run, gateKeeper);
        continue;
      }
      List<StepStatus> statuses = runStage(stage, run);
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

  private List<StepStatus> runStage(Stage stage, RunContext run) {
    List<StepRun> runs = new ArrayList<>();
    List<FutureTask<StepStatus>> tasks = new ArrayList<>();
    for (Step step : stage.steps()) {
      StepRun r = new StepRun(step, run);
      FutureTask<StepStatus> task = new FutureTask<>(r);
      runs.add(r);
      tasks.add(task);
      executor.execute(task);
    }
    List<StepStatus> statuses = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      statuses.add(await(runs.get(i), tasks.get(i)));
    }
    return statuses;
  }

  private StepStatus await(StepRun r, FutureTask<StepStatus> task) {
    long left = r.deadlineNanos() - ticker.getAsLong();
    try {
      return task.get(Math.max(0, left), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      task.cancel(true);
      Optional<StepStatus> timedOut = r.timedOut();
      if (timedOut.isPresent()) {
        log.warn("step {} timed out", r.id());
        return timedOut.get();
      }
      return awaitDone(task);
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

  private void notifyFailure(RunReport report) {
    notifier.ifPresent(
        n -> {
          Notice.Severity severity =
              report.drill() ? Notice.Severity.WARNING : Notice.Severity.ALARM;
          String subject =
              (report.drill() ? "[drill] " : "") + report.runbook() + ": " + report.outcome();
          try {
            n.send(new Notice(severity, subject, report.reason(), report.drill()));
          } catch (RuntimeException e) {
            log.warn("could not notify about run {}: {}", report.runId(), e.getMessage());
          }
        });
  }

  /** Builds an engine; {@link #ticketGuard} and {@link #journals} are required. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private LongSupplier ticker = System::nanoTime;
    private Executor executor = Runnable::run;
    private TicketGuard guard;
    private JournalDirectory journals;
    private GateKeeper gateKeeper = new ApprovalDesk();
    private Notifier notifier;
    private ReportStore reports;
    private CrashHook crashHook = CrashHook.NONE;
    private Pacer pacer = Pacer.REAL_TIME;
    private CircuitBreakerRegistry breakers;

    private Builder() {}

    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /** Monotonic nanoseconds for step deadlines. */
    public Builder ticker(LongSupplier value) {
      this.ticker = Objects.requireNonNull(value, "ticker");
      return this;
    }

    public Builder executor(Executor value) {
      this.executor = Objects.requireNonNull(value, "executor");
      return this;
    }

    public Builder ticketGuard(TicketGuard value) {
      this.guard = Objects.requireNonNull(value, "ticketGuard");
      return this;
    }

    public Builder journals(JournalDirectory value) {
      this.journals = Objects.requireNonNull(value, "journals");
      return this;
    }

    public Builder gateKeeper(GateKeeper value) {
      this.gateKeeper = Objects.requireNonNull(value, "gateKeeper");
      return this;
    }

    /** Told when a run ends other than SUCCEEDED (drills never as ALARM). */
    public Builder notifier(Notifier value) {
      this.notifier = value;
      return this;
    }

    public Builder reports(ReportStore value) {
      this.reports = value;
      return this;
    }

    public Builder crashHook(CrashHook value) {
      this.crashHook = Objects.requireNonNull(value, "crashHook");
      return this;
    }

    public Builder pacer(Pacer value) {
      this.pacer = Objects.requireNonNull(value, "pacer");
      return this;
    }

    public Builder circuitBreakers(CircuitBreakerRegistry value) {
      this.breakers = value;
      return this;
    }

    public RunbookEngine build() {
      if (guard == null) {
        throw new ConfigException("runbook engine: field 'ticketGuard' is required");
      }
      if (journals == null) {
        throw new ConfigException("runbook engine: field 'journals' is required");
      }
      return new RunbookEngine(this);
    }
  }
}
