package io.tandem.app.agent;

import io.tandem.core.agent.PeerPromise;
import io.tandem.core.agent.PeerReport;

/**
 * Outbound side of the peer link (management network). Fire-and-forget: a lost message is simply
 * missing on the other side, which the decision loop treats as silence (and the failsafe as a
 * missing confirmation).
 */
public interface PeerTransport {

  void sendReport(String toSite, PeerReport report);

  void sendPromiseRequest(String toSite, String fromSite, long sentAtNanos);

  void sendPromise(String toSite, PeerPromise promise);
}
