package io.tandem.app.witness;

import java.net.URI;

/**
 * What an agent's management network lets through, for the traffic that does not go through its
 * HTTP client: the witness's datagrams. An {@link java.net.http.HttpClient} that also implements
 * this (the lab's simulated network does) is asked before each datagram; a datagram over a link
 * that is down is not sent, as a dropped route drops it, and its call times out. Production clients
 * do not implement it: every link is up as far as the agent can tell.
 */
public interface ManagementLink {

  /** Whether a packet from this agent to {@code target} gets through now. */
  boolean reaches(URI target);
}
