package io.tandem.core.runbook;

import io.tandem.core.witness.FencingToken;

/**
 * Port: answers whether this agent still holds a valid ticket with the token's epoch. The engine
 * asks before every apply; the agent's ticket holder implements it.
 *
 * <p>Contract: fast (answers from local state, no remote call), thread-safe, and conservative: when
 * in doubt (ticket near its local deadline) answer false.
 */
@FunctionalInterface
public interface TicketGuard {

  boolean holds(FencingToken token);
}
