package io.tandem.core.agent;

import java.time.Instant;
import java.util.Objects;

/**
 * One tick's outcome: what to do and why.
 *
 * @param action what the driver must do
 * @param reason stable code
 * @param words the reason in words, e.g. {@code "no action: holding ticket epoch 12, healthy
 *     25/25"}
 * @param from state before the tick
 * @param to state after the tick
 * @param epoch the epoch held or last held (0 if none)
 * @param at wall-clock time of the tick
 */
public record Decision(
    Action action,
    ReasonCode reason,
    String words,
    AgentState from,
    AgentState to,
    long epoch,
    Instant at) {

  public Decision {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(words, "words");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(at, "at");
  }

  @Override
  public String toString() {
    return at
        + " "
        + from
        + (from == to ? "" : "->" + to)
        + " "
        + action
        + " "
        + reason
        + ": "
        + words;
  }
}
