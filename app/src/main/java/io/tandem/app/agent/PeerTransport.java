package io.tandem.app.agent;

import io.tandem.core.agent.PeerLink;

/**
 * Outbound side of the peer link (management network): the agent core's {@link PeerLink} port,
 * implemented over HTTP in production and in memory in the lab. Fire-and-forget: a lost message is
 * simply missing on the other side, which the decision loop treats as silence (and the failsafe as
 * a missing confirmation).
 */
public interface PeerTransport extends PeerLink {}
