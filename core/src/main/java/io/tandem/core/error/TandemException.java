package io.tandem.core.error;

/**
 * Root of Tandem's small exception hierarchy. Every failure belongs to one {@link Category}, and
 * each category maps to one safe action, so callers (the decision loop, the runbook engine, the
 * CLI) react by category rather than by concrete type.
 *
 * <p>Messages must never contain secrets: adapters build them from names and identifiers only.
 */
public abstract class TandemException extends RuntimeException {

  /** What went wrong, coarsely; decides what is safe to do next. */
  public enum Category {
    /** Bad configuration or input. Safe action: refuse to start or to apply; nothing is changed. */
    CONFIG("refuse: fix the configuration"),
    /** Somebody else changed the resource (compare-and-set failed). Safe action: re-observe. */
    CONFLICT("stop and re-observe: the resource changed under us"),
    /** A newer epoch is already recorded, or our ticket is gone. Safe action: fence ourselves. */
    FENCED("fence: we no longer hold the ticket"),
    /** Timeouts, throttling, 5xx, dropped connections. Safe action: retry with backoff. */
    TRANSIENT("retry with backoff"),
    /** Credentials rejected or an action not permitted. Safe action: stop, tell the operator. */
    PERMISSION("stop: grant the missing permission"),
    /** A configured resource does not exist. Safe action: stop, tell the operator. */
    NOT_FOUND("stop: the resource does not exist"),
    /** A peer answered something the protocol does not allow. Safe action: stop, report. */
    PROTOCOL("stop: the peer broke the protocol");

    private final String safeAction;

    Category(String safeAction) {
      this.safeAction = safeAction;
    }

    /** A short sentence naming the safe reaction. */
    public String safeAction() {
      return safeAction;
    }

    /** Whether an automatic retry may help. */
    public boolean retryable() {
      return this == TRANSIENT;
    }
  }

  protected TandemException(String message) {
    super(message);
  }

  protected TandemException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The category that decides the safe action. */
  public abstract Category category();
}
