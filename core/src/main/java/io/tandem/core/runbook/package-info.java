/**
 * The runbook engine: a failover (or switchover, or drill leg) is a {@link
 * io.tandem.core.runbook.Runbook} of ordered {@link io.tandem.core.runbook.Stage}s whose {@link
 * io.tandem.core.runbook.Step}s run in parallel, each {@code observe → apply → verify}.
 *
 * <p>{@link io.tandem.core.runbook.RunbookEngine} runs them with per-step timeouts, Resilience4j
 * retries (transient errors only) and one circuit breaker per provider; it checks the {@link
 * io.tandem.core.runbook.TicketGuard} before every apply, journals every event durably before the
 * action it announces ({@link io.tandem.core.runbook.journal.Journal}), resumes unfinished runs
 * without ever applying an unsafe step twice, produces dry-run {@link io.tandem.core.runbook.Plan}s
 * and ends every run in a {@link io.tandem.core.runbook.report.RunReport}. The standard runbooks
 * come from {@link io.tandem.core.runbook.standard.StandardRunbooks}; drills from {@link
 * io.tandem.core.runbook.drill.Drill}. See {@code docs/runbooks.md}.
 */
package io.tandem.core.runbook;
