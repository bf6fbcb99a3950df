package io.tandem.core.agent.guard;

/**
 * What the agent tells its fence guard every tick: either its PBX may serve until {@code
 * untilNanos} at most (on the host's monotonic clock; at or before now means "fence now"), or it is
 * idle (the agent confirmed its PBX fenced and has not activated since).
 *
 * <p>The deadline is absolute, not "D more ms" counted from receipt: a beat that was delayed (the
 * agent paused between computing and sending it) then carries an old deadline and extends nothing.
 * The agent and the guard run on one host and read the same monotonic clock ({@code
 * System.nanoTime()} is {@code CLOCK_MONOTONIC} on Linux); the guard checks that when the agent
 * says hello.
 *
 * @param idle the agent confirmed its PBX fenced
 * @param untilNanos when not idle: the latest instant the PBX may serve without a fresh beat
 * @param epoch the epoch the PBX serves under (0 if none or unknown), for the guard's log
 */
public record GuardBeat(boolean idle, long untilNanos, long epoch) {

  /** The agent's PBX is confirmed fenced. */
  public static GuardBeat idleBeat() {
    return new GuardBeat(true, 0, 0);
  }

  /** The agent's PBX may serve until {@code untilNanos} (host monotonic clock). */
  public static GuardBeat serveUntil(long untilNanos, long epoch) {
    return new GuardBeat(false, untilNanos, epoch);
  }

  /** The line this beat travels as on the guard's socket. */
  public String wire() {
    return idle ? "IDLE" : "SERVE " + untilNanos + " " + epoch;
  }

  /**
   * Parses a beat line.
   *
   * @throws IllegalArgumentException if the line is not a beat
   */
  public static GuardBeat parse(String line) {
    String[] p = line.trim().split(" ");
    if (p.length == 1 && p[0].equals("IDLE")) {
      return idleBeat();
    }
    if (p.length == 3 && p[0].equals("SERVE")) {
      try {
        long epoch = Long.parseLong(p[2]);
        if (epoch < 0) {
          throw new IllegalArgumentException("not a beat: negative epoch");
        }
        return serveUntil(Long.parseLong(p[1]), epoch);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a beat: " + line, e);
      }
    }
    throw new IllegalArgumentException("not a beat: " + line);
  }
}
