package io.tandem.core.agent;

/**
 * Port to the other sites over the management network. Fire-and-forget: answers (peers' reports and
 * promises) come back asynchronously and the driver hands them to {@link PeerBoard}. The receiving
 * side calls {@link DecisionLoop#answerPromise} for each promise request. Implementations are
 * thread-safe, never block the decision loop, and authenticate peers.
 */
public interface PeerLink {

  /** Send our report to every peer. */
  void broadcast(PeerReport report);

  /**
   * Ask every peer to promise it is not serving and will not acquire for the promise duration.
   *
   * @param sentAtNanos our monotonic send time, echoed back in each {@link PeerPromise}
   */
  void requestPromises(String from, long sentAtNanos);
}
