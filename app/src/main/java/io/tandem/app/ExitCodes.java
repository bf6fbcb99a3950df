package io.tandem.app;

/** Exit codes of the {@code tandem} executable, stable for scripts. */
public final class ExitCodes {

  /** Success. */
  public static final int OK = 0;

  /** The cluster refused the command (e.g. switchover target unhealthy). */
  public static final int REFUSED = 1;

  /** Bad usage or invalid configuration. */
  public static final int INVALID = 2;

  /** The API or witness could not be reached. */
  public static final int UNREACHABLE = 3;

  /** Authentication or authorisation failed. */
  public static final int FORBIDDEN = 4;

  /** A long-running mode (agent, witness, lab) keeps the JVM alive; main must not exit. */
  public static final int RUNNING = -1;

  private ExitCodes() {}
}
