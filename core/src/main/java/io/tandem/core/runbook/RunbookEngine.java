package io.tandem.core.runbook;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.tandem.core.error.ConfigException;
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
import java.util.concurrent.Executor;
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
  private final RunListener listener;
  private final java.util.concurrent.ScheduledExecutorService cutOffs;
  private final StageRunner stages;
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
    this.listener = b.listener;
    this.cutOffs = CutOffs.SCHEDULER;
    this.stages = new StageRunner(executor, ticker, gateKeeper, b.stageHook);
  }

  /** One daemon thread, shared by every engine, that cuts off applies when a ticket runs out. */
  private static final class CutOffs {
    static final java.util.concurrent.ScheduledExecutorService SCHEDULER =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tandem-runbook-cutoffs");
              t.setDaemon(true);
              return t;
            });
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
    f.putAll(RunReports.noteFields(request.notes()));
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
   * <p>Only a run of the epoch still held is resumed: under a newer epoch another site may have
   * held the ticket in between and undone what the run had verified, so such a run must be {@link
   * #supersede superseded} and a fresh run started (issue 12.5).
   *
   * @param token the token we hold now: same cluster, site and epoch as the run's
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
    long startedEpoch = Long.parseLong(started.get("epoch"));
    if (token.cluster().equals(started.get("cluster"))
        && token.site().equals(started.get("site"))
        && token.epoch() > startedEpoch) {
      journal.close();
      throw new ConfigException(
          "run "
              + runId
              + " was started under epoch "
              + startedEpoch
              + " and this site now holds epoch "
              + token.epoch()
              + ": another site may have held the ticket in between and changed what the run"
              + " did; supersede it and start a fresh run");
    }
    if (!token.cluster().equals(started.get("cluster"))
        || !token.site().equals(started.get("site"))
        || token.epoch() < startedEpoch) {
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
   * Closes an unfinished run instead of resuming it, because it was started under an older epoch
   * than {@code current}: another site may have held the ticket since and changed what the run had
   * already done (issue 12.5: a run resumed at epoch 9 after the other site moved the address back
   * skipped its verified steps and reported SUCCEEDED with the address at the old site). Journals
   * {@code RUN_ENDED} with outcome {@link RunOutcome#SUPERSEDED} and the reason, stores the report
   * (built from the journal alone: the runbook may differ now) and returns it.
   *
   * @throws ConfigException if the run is executing, has ended, or belongs to another cluster or
   *     site
   */
  public RunReport supersede(String runId, FencingToken current, String reason) {
    if (active.containsKey(runId) || creating.contains(runId)) {
      throw new ConfigException("run " + runId + " is executing in this engine");
    }
    RunReport report = RunClosing.supersede(journals, runId, current, reason);
    store(report);
    tell(l -> l.runFinished(report));
    return report;
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
    RunClosing.resolveByHand(journals, runId, stepId, by, note);
  }

  /**
   * The epoch an unfinished run was started under (to decide between {@link #resume} and {@link
   * #supersede}).
   *
   * @throws ConfigException if its journal has no start record
   * @throws io.tandem.core.runbook.journal.JournalCorruptException if its journal is damaged
   */
  public long startedUnder(String runId) {
    return RunClosing.startedUnder(journals, runId);
  }

  /**
   * {@code base} if no run of that id exists here, else {@code base-2}, {@code base-3}, ...: a
   * retried activation (the agent core retries a failed one) gets a run of its own.
   */
  public String freshRunId(String base) {
    String id = base;
    for (int n = 2; java.nio.file.Files.exists(journals.path(id)) || active.containsKey(id); n++) {
      id = base + "-" + n;
    }
    return id;
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

  /**
   * Stops every executing run at once because this site must stop acting (a self-fence, issue
   * 12.6): each run stops as {@link RunOutcome#FENCED} with {@code reason}, its running steps are
   * interrupted (an apply in flight is cut off) and no further step starts; a gate wait is
   * released.
   *
   * @return the ids of the runs cancelled
   */
  public List<String> cancelAll(String reason) {
    List<String> ids = new ArrayList<>();
    active.forEach(
        (id, run) -> {
          run.cancel(reason);
          gateKeeper.abandon(id, reason);
          ids.add(id);
        });
    return ids;
  }

  /** Ids of the runs executing now. */
  public List<String> executing() {
    return List.copyOf(active.keySet());
  }

  /**
   * Runs this engine's path once, changing nothing, so that the first run after a fault does not
   * load, link and initialise it (issue 17.2: a fresh process's first takeover spent 50-120 ms
   * between the decision and its first step doing so; a warm one 5-20 ms). A run of one step that
   * needs a change, journals its intent, applies nothing and verifies goes through the same journal
   * (create, fsync, append), stage runner, executor, step and report code as a real run, in {@link
   * JournalDirectory#rehearsals() a directory of its own}, which is then read as {@link
   * #unfinishedRuns} reads and emptied. Nobody hears of it: no listener, notifier, stage hook,
   * report store, gate keeper or circuit breaker of this engine is told. This engine's journal
   * directory is only read: its finished journals are {@link JournalDirectory#index() indexed}, so
   * that the listing of unfinished runs after a fault reads none of them again.
   *
   * @return the rehearsal's report (SUCCEEDED unless the data directory cannot be written)
   */
  public RunReport rehearse() {
    journals.index();
    JournalDirectory scratch = journals.rehearsals();
    RunbookEngine twin =
        builder()
            .clock(clock)
            .ticker(ticker)
            .executor(executor)
            .pacer(pacer)
            .ticketGuard(token -> true)
            .journals(scratch)
            .build();
    FencingToken token = new FencingToken("rehearsal", "rehearsal", 1);
    String runId = twin.freshRunId("rehearsal");
    try {
      return twin.run(
          new Runbook(
              "rehearsal",
              RunKind.FAILOVER,
              List.of(Stage.of("rehearsal", StageKind.OTHER, List.of(new RehearsalStep())))),
          new RunRequest(
              runId,
              token,
              false,
              Optional.of(clock.instant()),
              Optional.of(clock.instant()),
              Optional.of(clock.instant()),
              Map.of("cause", "rehearsal")));
    } finally {
      twin.unfinishedRuns(); // reads the ended journal as a listing after a restart does
      try {
        java.nio.file.Files.deleteIfExists(scratch.path(runId));
        java.nio.file.Files.deleteIfExists(scratch.path(runId).getParent()); // when empty
      } catch (java.io.IOException e) {
        log.debug("rehearsal journal {} not deleted: {}", scratch.path(runId), e.toString());
      }
    }
  }

  /** The step of {@link #rehearse}: a change observed, nothing applied, verified. */
  private static final class RehearsalStep implements Step {
    private static final StepSpec SPEC =
        StepSpec.of("rehearsal", "rehearsal (changes nothing)", "none", StepPolicy.defaults());

    @Override
    public StepSpec spec() {
      return SPEC;
    }

    @Override
    public Observation observe(StepContext context) {
      return Observation.change("nothing", "before", "after");
    }

    @Override
    public String apply(Observation observed, StepContext context) {
      return "after";
    }

    @Override
    public Verification verify(StepContext context) {
      return Verification.ok("nothing changed");
    }
  }

  /** Dry run: what each step would change, from observe only. Changes and journals nothing. */
  public Plan plan(Runbook runbook, FencingToken token, boolean drill) {
    StepContext ctx = new StepContext("plan", runbook.kind(), drill, token);
    return Planner.plan(runbook, ctx, (step, c) -> Planner.observeBounded(executor, step, c));
  }

  private RunReport execute(Runbook runbook, Journal journal, StepContext ctx) {
    RunHistory history = RunHistory.of(journal.records());
    RunContext run =
        new RunContext(
            journal, ctx, history, guard, crashHook, breakers, clock, ticker, pacer, listener,
            cutOffs);
    history
        .abortRequested()
        .ifPresent(
            r ->
                run.stop(RunOutcome.ABORTED, "aborted by " + r.get("by") + ": " + r.get("reason")));
    active.put(ctx.runId(), run);
    List<JournalRecord> records = journal.records();
    tell(
        l ->
            l.runStarted(
                new RunListener.RunStarted(
                    ctx.runId(),
                    runbook.name(),
                    runbook.kind(),
                    ctx.drill(),
                    ctx.token(),
                    records.getLast().type() == RecordType.RUN_RESUMED,
                    records.getLast().at(),
                    runbook.ids())));
    try {
      RunContext.Stop end = stages.runStages(runbook, run);
      // A run that needs manual intervention stays open: an operator resolves the step by hand
      // (see resolveByHand) and resumes it, so that it still ends in the planned final state.
      RecordType last =
          end.outcome() == RunOutcome.NEEDS_MANUAL_INTERVENTION
              ? RecordType.RUN_HALTED
              : RecordType.RUN_ENDED;
      JournalRecord ended =
          journal.append(last, "", Map.of("outcome", end.outcome().name(), "reason", end.reason()));
      if (last == RecordType.RUN_ENDED) {
        journals.endedHere(ctx.runId(), ended.at()); // the next listing need not read it
      }
      // Recovery warnings travel in the RUN_RESUMED record, which the report reads.
      RunReport report = RunReports.from(runbook, journal.records(), List.of());
      store(report);
      journals.prune();
      tell(l -> l.runFinished(report));
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

  private void store(RunReport report) {
    reports.ifPresent(
        store -> {
          try {
            store.save(report);
          } catch (RuntimeException e) {
            // the run is over and journaled; a report that cannot be stored must not undo it
            log.error("run {}: report not stored: {}", report.runId(), e.toString());
          }
        });
  }

  private void tell(java.util.function.Consumer<RunListener> event) {
    try {
      event.accept(listener);
    } catch (RuntimeException e) {
      log.warn("run listener failed: {}", e.toString()); // a listener never changes a run
    }
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
    private RunListener listener = RunListener.NONE;
    private StageHook stageHook = StageHook.NONE;

    private Builder() {}

    /** Called before and after each stage (operators' hook programs); default none. */
    public Builder stageHook(StageHook value) {
      stageHook = java.util.Objects.requireNonNull(value, "stageHook");
      return this;
    }

    /** Told about runs and steps as they happen (the agent's event bus). */
    public Builder listener(RunListener value) {
      this.listener = Objects.requireNonNull(value, "listener");
      return this;
    }

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
