package io.tandem.core.agent.guard;

import java.util.Locale;

/**
 * The fence guard's decisions, written once: the production guard process ({@code tandem
 * fence-guard}) and the simulation both run this class. The guard lives outside the agent's JVM,
 * next to the PBX; it stops the PBX taking calls when the agent stops refreshing its deadline (a GC
 * or VM pause, SIGSTOP, a wedged JVM, a crashed agent), so a paused active site can never serve
 * past the point where its ticket may pass to another site.
 *
 * <p>Rules: the latest beat wins (a later beat may shorten the deadline: a lost ticket says "fence
 * now"); an idle beat disarms; when armed and the deadline has passed, fence, and after a confirmed
 * fence stay disarmed until a beat with a deadline still ahead arms it again (the agent activated);
 * a "fence now" beat then changes nothing. A fence that failed is retried on the next poll. At
 * start the guard does not know whether the PBX serves, so it is armed with a deadline of {@code
 * startCover} from now: an agent that never says otherwise gets its PBX fenced.
 *
 * <p>The one exception to "fence now changes nothing while disarmed" (session 9): a beat whose
 * epoch is newer than the epoch the guard's last confirmed fence covered arms it even when its
 * deadline has passed, so it fences at once. The agent activated under that epoch after the fence
 * (it sends an epoch only once it activated), and a beat that reaches the guard late (the agent was
 * paused after its "accept calls" went out, its sender thread with it) must not leave that PBX
 * unguarded. The guard's own confirmed fence covers the epoch it was armed for; an idle beat (the
 * agent confirmed its own fence) covers no epoch activated after it, so any later beat with an
 * epoch counts as new.
 *
 * <p>Not thread-safe: the guard's single thread owns it.
 */
public final class FenceGuardState {

  private boolean armed = true;
  private long until;
  private boolean fencing;
  private long lastEpoch;

  /** A past-deadline beat of this epoch or an older one leaves a disarmed guard disarmed. */
  private long fencedEpoch;

  private String why;
  private long fences;
  private long lastFenceEnded = GuardReply.NEVER;

  /**
   * @param startNanos the host monotonic clock at guard start
   * @param startCoverNanos how long an unknown PBX may serve before the guard fences it
   */
  public FenceGuardState(long startNanos, long startCoverNanos) {
    this.until = startNanos + startCoverNanos;
    this.why = "no agent has spoken since the guard started";
  }

  /** A beat arrived at {@code nowNanos}. */
  public void onBeat(GuardBeat beat, long nowNanos) {
    if (beat.idle()) {
      armed = false;
      fencedEpoch = 0; // the agent's own fence: any epoch in a later beat was activated after it
      why = "the agent confirmed its PBX fenced";
      return;
    }
    if (!armed && beat.untilNanos() - nowNanos <= 0 && beat.epoch() <= fencedEpoch) {
      return; // "fence now" for an epoch a confirmed fence already covered: nothing to redo
    }
    armed = true;
    until = beat.untilNanos();
    lastEpoch = beat.epoch();
    why =
        until - nowNanos <= 0
            ? "the agent asked for a fence (epoch " + lastEpoch + ")"
            : "no fresh beat from the agent (epoch " + lastEpoch + ")";
  }

  /** Whether the guard must start a fence now. */
  public boolean due(long nowNanos) {
    return armed && !fencing && nowNanos - until >= 0;
  }

  /** Call when starting the fence {@link #due} asked for; returns the reason in words. */
  public String fenceStarted(long nowNanos) {
    fencing = true;
    fences++;
    return String.format(
        Locale.ROOT,
        "fencing the PBX: %s, %.1f s past its deadline",
        why,
        (nowNanos - until) / 1e9);
  }

  /**
   * The fence ended at {@code nowNanos}; {@code done} if the PBX confirmed it no longer takes
   * calls. The instant goes into every {@link #reply()}: an agent whose activation began before it
   * learns that its PBX may have been fenced under it.
   */
  public void fenceEnded(boolean done, long nowNanos) {
    fencing = false;
    lastFenceEnded = nowNanos;
    if (done) {
      armed = false;
      fencedEpoch = lastEpoch;
    }
  }

  /**
   * A fence attempt that {@link #fenceEnded} already counted as failed (it timed out) finished
   * late, at {@code nowNanos}: it may have reached the PBX, so replies report it.
   */
  public void lateFenceFinished(long nowNanos) {
    if (lastFenceEnded == GuardReply.NEVER || nowNanos - lastFenceEnded > 0) {
      lastFenceEnded = nowNanos;
    }
  }

  public boolean armed() {
    return armed;
  }

  /** The current deadline (meaningful while armed). */
  public long untilNanos() {
    return until;
  }

  /** How many fences the guard started. */
  public long fences() {
    return fences;
  }

  /** What the guard answers a beat with (for agents that asked for answers). */
  public GuardReply reply() {
    return new GuardReply(fences, lastFenceEnded);
  }
}
