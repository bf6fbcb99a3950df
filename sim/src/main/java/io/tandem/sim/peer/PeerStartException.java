package io.tandem.sim.peer;

/**
 * A peer was found but did not become ready in time (or exited early). The message carries the tail
 * of the peer's own log.
 */
public final class PeerStartException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  public PeerStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
