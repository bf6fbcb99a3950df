package io.tandem.core.agent;

import java.time.Instant;

/**
 * Where and when the {@link AgentCore} runs: its clocks and one serial "agent thread". Production
 * backs it with a single scheduler thread and the machine's clocks; the simulation with its
 * discrete-event scheduler and a simulated clock. Everything {@link AgentCore} does to its own
 * state runs through {@link #at} (or {@link #execute}), so the core never needs a lock of its own.
 *
 * <p>Contract: tasks run one at a time, in the order of their due time (ties in submission order),
 * never before they are due; a task submitted from any thread is accepted. After the agent stops,
 * tasks may be dropped silently.
 */
public interface AgentScheduler {

  /** The agent's monotonic clock, in nanoseconds (arbitrary origin; differences only). */
  long nanoTime();

  /** The agent's wall clock, only for decision records and reports. */
  Instant wallTime();

  /** Run {@code task} on the agent's thread once {@link #nanoTime()} reads at least {@code at}. */
  void at(long atNanos, Runnable task);

  /** Run {@code task} on the agent's thread as soon as possible. */
  default void execute(Runnable task) {
    at(nanoTime(), task);
  }
}
