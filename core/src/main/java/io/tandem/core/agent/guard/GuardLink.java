package io.tandem.core.agent.guard;

import java.util.function.Consumer;

/**
 * The agent's line to its fence guard: where its beats go ({@link #accept}, on the agent thread,
 * never blocking) and whether a guard that answers every beat is on the other end now. The agent
 * numbers its beats by the order it hands them over: the n-th beat handed to {@link #accept} is
 * beat n (from 1), and a reply says which beat it answers by that number ({@link Replies}).
 *
 * <p>Why the number matters: an activation under a new epoch must not make the PBX take calls
 * before the guard took a beat that arms it for that epoch (session 9). The guard answers every
 * beat it reads, in order, on one connection ({@code HELLO <nanoTime> REPLIES}), so a reply to the
 * arming beat or a later one is the acknowledgement.
 *
 * <p>A plain {@code Consumer<GuardBeat>} given to the agent is a line that never answers (no guard,
 * or one the agent does not wait for).
 */
public interface GuardLink extends Consumer<GuardBeat> {

  /**
   * Whether a guard that answers every beat, in order, is connected now: an activation under a new
   * epoch then waits for its answer to the beat that arms it. False with no guard, no socket, or a
   * guard of an older version (which does not answer): the activation goes on as before.
   */
  boolean answers();

  /** Where a guard's replies go, each with the number of the beat it answers. */
  @FunctionalInterface
  interface Replies {
    /**
     * The guard answered beat number {@code beat} with {@code reply} (0 if the number is not
     * known).
     */
    void replied(GuardReply reply, long beat);
  }
}
