package io.tandem.core.agent;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where an agent stands. Only {@link #ACTIVE} may serve, and only while it holds a valid ticket (or
 * the witness-outage failsafe covers it). The moves between states form a closed table ({@link
 * #canMoveTo}); any other move is a bug and throws.
 *
 * <pre>
 * STARTING    → STANDBY, MAINTENANCE
 * STANDBY     → ACQUIRING, MAINTENANCE
 * ACQUIRING   → ACTIVE, STANDBY
 * ACTIVE      → FENCING
 * FENCING     → FENCED
 * FENCED      → STANDBY, MAINTENANCE
 * MAINTENANCE → STANDBY
 * </pre>
 */
public enum AgentState {
  /** Just started: not serving; waits out any promise a previous incarnation may have made. */
  STARTING,
  /** Healthy or not, not serving; may try to acquire. */
  STANDBY,
  /** An acquire is in flight at the witness. */
  ACQUIRING,
  /** Serving under a ticket. */
  ACTIVE,
  /** Stopping the service (VIP dropped, trunks unregistered, PBX refusing calls). */
  FENCING,
  /** The service is stopped here. */
  FENCED,
  /** Operator maintenance: never acquires. */
  MAINTENANCE;

  private static final Map<AgentState, Set<AgentState>> MOVES;

  static {
    Map<AgentState, Set<AgentState>> m = new EnumMap<>(AgentState.class);
    m.put(STARTING, EnumSet.of(STANDBY, MAINTENANCE));
    m.put(STANDBY, EnumSet.of(ACQUIRING, MAINTENANCE));
    m.put(ACQUIRING, EnumSet.of(ACTIVE, STANDBY));
    m.put(ACTIVE, EnumSet.of(FENCING));
    m.put(FENCING, EnumSet.of(FENCED));
    m.put(FENCED, EnumSet.of(STANDBY, MAINTENANCE));
    m.put(MAINTENANCE, EnumSet.of(STANDBY));
    for (AgentState s : values()) {
      m.put(s, Collections.unmodifiableSet(m.get(s)));
    }
    MOVES = Collections.unmodifiableMap(m);
  }

  /** Whether the table allows moving from this state to {@code next} (staying is not a move). */
  public boolean canMoveTo(AgentState next) {
    return MOVES.get(this).contains(next);
  }

  /** The states this one may move to. */
  public Set<AgentState> moves() {
    return MOVES.get(this);
  }

  /**
   * Checks a move.
   *
   * @throws IllegalStateException if the table does not allow it
   */
  public AgentState moveTo(AgentState next) {
    if (next != this && !canMoveTo(next)) {
      throw new IllegalStateException("illegal move " + this + " -> " + next);
    }
    return next;
  }

  /** States in which the local PBX may serve (or is being stopped). */
  boolean serves() {
    return this == ACTIVE || this == FENCING;
  }

  /** States in which the agent may promise a peer not to acquire. */
  boolean mayPromise() {
    return this == STARTING || this == STANDBY || this == FENCED || this == MAINTENANCE;
  }
}
