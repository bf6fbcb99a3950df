package io.tandem.core.agent;

import java.util.Objects;

/**
 * Where the fencing of the local PBX stands, as the decision loop reads it each tick. A fence that
 * timed out or failed in part is {@link Phase#UNKNOWN}: the PBX may still serve, so the loop fences
 * again and never treats it as done.
 *
 * @param phase where it stands
 * @param attempts fences sent since the last one that was confirmed done
 * @param words the latest fence's outcome in words ("" if none yet)
 */
public record FenceStatus(Phase phase, int attempts, String words) {

  /** Where the fencing of the local PBX stands. */
  public enum Phase {
    /** No fence since this agent process started. */
    NONE,
    /** A fence is running. */
    PENDING,
    /** The latest fence was confirmed: the PBX does not take calls. */
    DONE,
    /** The latest fence timed out or failed in part: the PBX may still take calls. */
    UNKNOWN
  }

  /** Before the first fence of this process. */
  public static final FenceStatus NONE = new FenceStatus(Phase.NONE, 0, "");

  public FenceStatus {
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(words, "words");
  }

  public boolean done() {
    return phase == Phase.DONE;
  }
}
