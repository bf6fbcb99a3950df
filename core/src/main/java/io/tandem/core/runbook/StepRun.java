package io.tandem.core.runbook;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.tandem.core.error.FencedException;
import io.tandem.core.error.TandemException;
import io.tandem.core.error.TransientException;
import io.tandem.core.runbook.journal.JournalRecord;
import io.tandem.core.runbook.journal.RecordType;
import io.tandem.core.witness.FencingToken;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Executes one step once: observe → (journal intent) → apply → verify → journal result, applying
 * the resume rules. Exactly one result record is written per execution, either by this task or, on
 * timeout, by the engine ({@link #timedOut}); whichever comes first wins.
 */
final class StepRun implements Callable<StepStatus> {

  private final Step step;
  private final StepSpec spec;
  private final RunContext run;
  private final String stage;
  private final Instant startedAt;
  private final long deadlineNanos;
  private final AtomicBoolean resolved = new AtomicBoolean();
  private final AtomicInteger applyAttempts = new AtomicInteger();
  private volatile Observation observed;
  private volatile StepStatus resolvedStatus;

  StepRun(Step step, RunContext run, String stage) {
    this.step = step;
    this.spec = step.spec();
    this.run = run;
    this.stage = stage;
    this.startedAt = run.clock.instant();
    this.deadlineNanos = run.ticker.getAsLong() + spec.policy().timeout().toNanos();
  }

  String id() {
    return spec.id();
  }

  long deadlineNanos() {
    return deadlineNanos;
  }

  @Override
  public StepStatus call() {
    Optional<JournalRecord> prior = run.history.result(spec.id());
    if (prior.isPresent()) {
      return StepStatus.valueOf(prior.get().get("status"));
    }
    if (run.stopped().isPresent()) {
      return StepStatus.SKIPPED;
    }
    Optional<JournalRecord> priorIntent = run.history.intent(spec.id());
    try {
      Observation obs = call("observe", () -> step.observe(run.stepContext), true);
      observed = obs;
      if (!obs.changeNeeded()) {
        Verification v = verifyUntilDeadline();
        if (!v.ok()) {
          return fail("verification failed: " + v.detail(), null);
        }
        // After a restart the change may have been made by the previous process: say so.
        if (obs.check()) {
          return resolve(StepStatus.CHECKED, obs.before(), v.detail());
        }
        return priorIntent.isPresent()
            ? resolve(StepStatus.VERIFIED, obs.before(), "applied before a restart; " + v.detail())
            : resolve(StepStatus.ALREADY_DONE, obs.before(), v.detail());
      }
      if (priorIntent.isPresent() && !spec.safeToRepeat()) {
        return resolve(
            StepStatus.MANUAL_INTERVENTION,
            obs.before(),
            "step is not safe to repeat and its apply was announced at "
                + priorIntent.get().at()
                + " without a recorded result; "
                + obs.resource()
                + " now shows '"
                + obs.before()
                + "' (wanted '"
                + obs.after()
                + "'). Check it by hand and finish this change manually");
      }
      run.crash(CrashPoint.BEFORE_INTENT, spec.id());
      Map<String, String> intent = new LinkedHashMap<>();
      intent.put("resource", obs.resource());
      intent.put("before", obs.before());
      intent.put("after", obs.after());
      intent.put("epoch", Long.toString(run.stepContext.token().epoch()));
      intent.put("safeToRepeat", Boolean.toString(spec.safeToRepeat()));
      intent.put("startedAt", startedAt.toString());
      journalIntent(intent);
      run.crash(CrashPoint.AFTER_INTENT, spec.id());
      String after =
          call(
              "apply",
              () -> {
                ensureNotAbandoned();
                run.checkTicket(spec.id());
                applyAttempts.incrementAndGet();
                return withinTicket(() -> step.apply(obs, run.stepContext));
              },
              spec.safeToRepeat());
      run.crash(CrashPoint.AFTER_APPLY, spec.id());
      Verification v = verifyUntilDeadline();
      if (!v.ok()) {
        return fail("applied, but verification failed: " + v.detail(), after);
      }
      run.crash(CrashPoint.AFTER_VERIFY, spec.id());
      StepStatus status = resolve(StepStatus.VERIFIED, after, v.detail());
      run.crash(CrashPoint.AFTER_RESULT, spec.id());
      return status;
    } catch (CallNotPermittedException e) {
      return fail(
          "circuit breaker for provider '"
              + spec.provider()
              + "' is open after repeated failures; the provider was not called",
          null);
    } catch (TandemException e) {
      if (e.category() == TandemException.Category.FENCED) {
        run.stop(RunOutcome.FENCED, e.getMessage());
        return resolve(StepStatus.FENCED, null, e.getMessage() + " (" + safe(e) + ")");
      }
      return fail(e.category() + ": " + e.getMessage() + " (" + safe(e) + ")", null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail("interrupted", null);
    } catch (RuntimeException e) {
      return fail("unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage(), null);
    }
  }

  /**
   * Runs an apply within the time the ticket has left (issue 12.6): the step's thread is
   * interrupted when the ticket's self-fence point passes (blocking socket I/O on a virtual thread,
   * the AWS SDK and the Azure SDK give up on an interrupt), and an apply that returns after that is
   * reported as fenced, so the run stops before anything else changes. The point is the one the
   * guard reports as renewals move it, asked again whenever the previous one comes due: an apply
   * may outlast the time left when it started (a VIP move's ARP probes outlast a 2 s ticket's) as
   * long as the site keeps its ticket, never the ticket itself. Without a bound from the guard it
   * just runs.
   */
  private String withinTicket(Supplier<String> apply) {
    FencingToken token = run.stepContext.token();
    Optional<Duration> left = run.guard.timeLeft(token);
    if (left.isEmpty()) {
      return apply.get();
    }
    if (left.get().isNegative() || left.get().isZero()) {
      throw new FencedException(
          "ticket epoch "
              + token.epoch()
              + " has no time left before this site must fence; step "
              + spec.id()
              + " not applied");
    }
    Thread self = Thread.currentThread();
    AtomicBoolean cut = new AtomicBoolean();
    AtomicReference<ScheduledFuture<?>> timer = new AtomicReference<>();
    Runnable check =
        new Runnable() {
          @Override
          public void run() {
            if (cut.get()) {
              return;
            }
            Duration now = run.guard.timeLeft(token).orElse(Duration.ZERO);
            if (now.isNegative() || now.isZero()) {
              if (cut.compareAndSet(false, true)) {
                self.interrupt();
              }
            } else {
              timer.set(run.cutOffs.schedule(this, now.toNanos(), TimeUnit.NANOSECONDS));
            }
          }
        };
    timer.set(run.cutOffs.schedule(check, left.get().toNanos(), TimeUnit.NANOSECONDS));
    String words =
        "the ticket's time left ("
            + left.get().toMillis()
            + " ms before this site must fence when the apply started) ran out during the apply of "
            + spec.id();
    try {
      String after = apply.get();
      Duration leftAfter = run.guard.timeLeft(token).orElse(Duration.ZERO);
      if (!cut.compareAndSet(false, true) || leftAfter.isNegative() || leftAfter.isZero()) {
        Thread.interrupted(); // the timer fired as the apply returned; do not leak the flag
        throw new FencedException(words + "; it returned after that, so nothing more changes");
      }
      return after;
    } catch (RuntimeException e) {
      if (cut.get() && !(e instanceof FencedException)) {
        Thread.interrupted();
        throw new FencedException(words + "; cut off (" + e.getMessage() + ")");
      }
      throw e;
    } finally {
      cut.set(true); // a check still scheduled does nothing
      ScheduledFuture<?> t = timer.get();
      if (t != null) {
        t.cancel(false);
      }
    }
  }

  /** Called by the engine when the run was cancelled while this step ran; empty if resolved. */
  synchronized Optional<StepStatus> cancelled(String reason) {
    return resolved.get()
        ? Optional.empty()
        : Optional.of(resolve(StepStatus.FENCED, null, "cancelled: " + reason));
  }

  /** Called by the engine when the step ran past its timeout; empty if it already resolved. */
  synchronized Optional<StepStatus> timedOut() {
    String detail = "timed out after " + spec.policy().timeout();
    return resolved.get() ? Optional.empty() : Optional.of(fail(detail, null));
  }

  boolean resolved() {
    return resolved.get();
  }

  /**
   * The status journaled for this step, once resolved. After {@link #timedOut} or {@link
   * #cancelled} returned empty it is set (they wait for a resolution in progress).
   */
  Optional<StepStatus> resolvedStatus() {
    return Optional.ofNullable(resolvedStatus);
  }

  private StepStatus fail(String detail, String after) {
    return resolve(
        spec.bestEffort() ? StepStatus.BEST_EFFORT_FAILED : StepStatus.FAILED, after, detail);
  }

  /**
   * Journals the intent unless the engine already gave up on this step (timeout): a step thread
   * that ignored its interrupt must not start changing things after its result was written.
   * Synchronised with {@link #resolve} so that intent and a timeout result never cross.
   */
  private synchronized void journalIntent(Map<String, String> intent) {
    ensureNotAbandoned();
    run.journal(RecordType.STEP_INTENT, spec.id(), intent);
  }

  private void ensureNotAbandoned() {
    if (resolved.get() || Thread.currentThread().isInterrupted()) {
      throw new TransientException("step " + spec.id() + " was abandoned after its timeout");
    }
  }

  private synchronized StepStatus resolve(StepStatus status, String after, String detail) {
    if (!resolved.compareAndSet(false, true)) {
      return status;
    }
    Observation obs = observed;
    Map<String, String> f = new LinkedHashMap<>();
    f.put("status", status.name());
    f.put("detail", detail);
    f.put("startedAt", startedAt.toString());
    f.put("applyAttempts", Integer.toString(applyAttempts.get()));
    if (obs != null) {
      f.put("resource", obs.resource());
      f.put("before", obs.before());
      f.put("after", after != null ? after : obs.before());
    }
    run.journal(RecordType.STEP_RESULT, spec.id(), f);
    resolvedStatus = status;
    try {
      run.listener.stepFinished(
          new RunListener.StepFinished(
              run.runId(),
              stage,
              spec.id(),
              spec.title(),
              status,
              startedAt,
              run.clock.instant(),
              detail));
    } catch (RuntimeException e) {
      // a listener must never change a run
      org.slf4j.LoggerFactory.getLogger(StepRun.class)
          .warn("run listener failed on step {}: {}", spec.id(), e.toString());
    }
    return status;
  }

  private Verification verifyUntilDeadline() throws InterruptedException {
    Duration interval = spec.policy().verifyInterval();
    long pollNanos = Math.max(interval.toNanos(), 1_000_000L);
    long maxPolls = spec.policy().timeout().toNanos() / pollNanos + 1;
    Verification v = null;
    for (long poll = 1; poll <= maxPolls; poll++) {
      v = call("verify", () -> step.verify(run.stepContext), true);
      if (v.ok()) {
        return v;
      }
      if (deadlineNanos - run.ticker.getAsLong() <= interval.toNanos()) {
        break;
      }
      run.pacer.pause(interval);
    }
    return Verification.notYet(v.detail());
  }

  private <T> T call(String phase, Supplier<T> action, boolean retry) {
    CircuitBreaker breaker = run.breakers.circuitBreaker(spec.provider());
    Supplier<T> decorated = CircuitBreaker.decorateSupplier(breaker, action);
    StepPolicy p = spec.policy();
    if (retry && p.maxAttempts() > 1) {
      IntervalFunction backoff =
          p.jitter() > 0
              ? IntervalFunction.ofExponentialRandomBackoff(
                  p.initialBackoff(), p.multiplier(), p.jitter())
              : IntervalFunction.ofExponentialBackoff(p.initialBackoff(), p.multiplier());
      RetryConfig config =
          RetryConfig.custom()
              .maxAttempts(p.maxAttempts())
              .intervalFunction(backoff)
              .retryOnException(StepRun::transientFailure)
              .build();
      decorated = Retry.decorateSupplier(Retry.of(spec.id() + ":" + phase, config), decorated);
    }
    return decorated.get();
  }

  static boolean transientFailure(Throwable t) {
    return t instanceof TandemException e && e.category().retryable();
  }

  private static String safe(TandemException e) {
    return "safe action: " + e.category().safeAction();
  }
}
