package io.tandem.core.agent.guard;

/**
 * What the fence guard answers each beat with, for an agent that asked for answers at hello: how
 * many fences it started and when (host monotonic clock) its latest fence attempt ended. The agent
 * compares that instant with the start of its latest activation: a guard fence that ended after the
 * activation began may have undone it, so a holder that still validly holds its ticket activates
 * again (the activation path, with its ticket and epoch checks), and one that cannot steps down.
 *
 * <p>The instant is when the fence attempt <em>ended</em> (confirmed, failed or timed out and then
 * finished), not when it started: a fence that started before an activation but reached the PBX
 * after the activation's "accept new calls" would otherwise go unnoticed.
 *
 * @param fences how many fences the guard started since it started
 * @param lastFenceEndedNanos when the latest fence attempt ended (host monotonic clock; {@link
 *     #NEVER} if none has)
 */
public record GuardReply(long fences, long lastFenceEndedNanos) {

  /** No fence attempt has ended since the guard started. */
  public static final long NEVER = Long.MIN_VALUE;

  public GuardReply {
    if (fences < 0) {
      throw new IllegalArgumentException("fences must be >= 0");
    }
  }

  /** Whether a fence attempt ended at or after {@code sinceNanos} (host monotonic clock). */
  public boolean fencedSince(long sinceNanos) {
    return lastFenceEndedNanos != NEVER && lastFenceEndedNanos - sinceNanos >= 0;
  }

  /** The line this reply travels as on the guard's socket. */
  public String wire() {
    return "FENCES " + fences + " " + (lastFenceEndedNanos == NEVER ? "-" : lastFenceEndedNanos);
  }

  /**
   * Parses a reply line.
   *
   * @throws IllegalArgumentException if the line is not a reply
   */
  public static GuardReply parse(String line) {
    String[] p = line.trim().split(" ");
    if (p.length != 3 || !p[0].equals("FENCES")) {
      throw new IllegalArgumentException("not a guard reply: " + line);
    }
    try {
      return new GuardReply(Long.parseLong(p[1]), p[2].equals("-") ? NEVER : Long.parseLong(p[2]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a guard reply: " + line, e);
    }
  }
}
