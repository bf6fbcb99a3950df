package io.tandem.core.agent;

/**
 * Outbound side of the peer link (the management network), as the agent core uses it.
 * Fire-and-forget: a lost message is simply missing on the other side, which the decision loop
 * treats as silence (and the witness-outage failsafe as a missing promise). Inbound messages go to
 * {@link AgentCore#onReport}, {@link AgentCore#onPromiseRequest} and {@link AgentCore#onPromise}.
 * Implementations are thread-safe, never block the caller, and authenticate peers.
 */
public interface PeerLink {

  /** Our report, every tick, to one peer. */
  void sendReport(String toSite, PeerReport report);

  /**
   * Ask one peer to promise it is not serving and will not acquire for the promise duration.
   *
   * @param sentAtNanos our monotonic send time, echoed back in its {@link PeerPromise}
   */
  void sendPromiseRequest(String toSite, String fromSite, long sentAtNanos);

  /** Our answer to a peer's promise request. */
  void sendPromise(String toSite, PeerPromise promise);
}
