package io.tandem.core.runbook;

/**
 * One step of a runbook: {@code observe → apply → verify}.
 *
 * <p>Contract for implementations: {@link #observe} changes nothing and says whether a change is
 * needed; {@link #apply} is idempotent (applying when already in the desired state changes nothing)
 * and must carry {@link StepContext#token()} on every external mutation; {@link #verify} changes
 * nothing. Every remote call has its own timeout. Implementations are called from the engine's
 * executor threads, at most one phase at a time per step, and must be thread-safe with respect to
 * other steps that share an adapter. They throw {@link io.tandem.core.error.TandemException}s; only
 * {@code TRANSIENT} ones are retried.
 */
public interface Step {

  /** Identity, provider and policy of this step; constant for the step's lifetime. */
  StepSpec spec();

  /** Reads the current state; changes nothing. */
  Observation observe(StepContext context);

  /**
   * Makes the change {@code observed} announced. Called only when {@link
   * Observation#changeNeeded()} and only after the engine journaled the intent and checked the
   * ticket.
   *
   * @return a short description of the state read back after the change
   */
  String apply(Observation observed, StepContext context);

  /** Checks the desired state holds now; polled until it does or the step times out. */
  Verification verify(StepContext context);
}
