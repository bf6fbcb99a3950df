package io.tandem.core.agent;

/** The one thing the agent does after a tick. The driver (app or simulation) carries it out. */
public enum Action {
  /** Nothing. */
  NONE,
  /** Send an acquire to the witness (mark it sent on the ticket holder first). */
  ACQUIRE,
  /** Send a forced acquire (operator acknowledged the danger). */
  FORCE_ACQUIRE,
  /** We got the ticket: take over the service (run the failover runbook under the new epoch). */
  ACTIVATE,
  /** Stop serving now; report how it ended through the next snapshot's {@code fence}. */
  FENCE,
  /** Give the ticket back to the witness and tell the ticket holder. */
  RELEASE
}
