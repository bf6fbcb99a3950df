package io.tandem.core.agent;

import io.tandem.core.witness.TicketHolder;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A read-only view of one agent for the parts of the assembly built before its driver (sync, API):
 * the same ticket holder, peer board and decision history the {@link AgentCore} is given, and its
 * monotonic clock. Thread-safe, as its parts are.
 *
 * @param holder the agent's ticket holder
 * @param board the agent's peer board
 * @param history the agent's decisions
 * @param nanos the agent's monotonic clock
 */
public record AgentView(
    TicketHolder holder, PeerBoard board, DecisionHistory history, LongSupplier nanos) {

  public AgentView {
    Objects.requireNonNull(holder, "holder");
    Objects.requireNonNull(board, "board");
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(nanos, "nanos");
  }

  /** The agent's state after its latest decision ({@link AgentState#STARTING} before the first). */
  public AgentState state() {
    Decision d = history.latest();
    return d == null ? AgentState.STARTING : d.to();
  }

  /** The latest report from each peer (receipt stamped on {@link #nowNanos()}'s clock). */
  public Map<String, PeerReport> peerReports() {
    return board.reports();
  }

  public long nowNanos() {
    return nanos.getAsLong();
  }
}
