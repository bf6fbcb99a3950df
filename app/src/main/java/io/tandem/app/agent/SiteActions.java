package io.tandem.app.agent;

import io.tandem.core.witness.FencingToken;
import java.util.concurrent.CompletionStage;

/**
 * What an agent does to its own site and to the shared resources when the decision loop says so.
 *
 * <p>Contract: both methods return at once and do the work asynchronously; the driver never blocks
 * its tick thread on them. {@link #activate} runs the failover runbook under {@code token} (every
 * step checks that the ticket with that epoch is still ours before it changes anything). {@link
 * #fence} stops this site from serving (PBX refuses new calls, trunks unregistered, VIP dropped)
 * and completes when done; it must complete even on errors (best effort), because the decision loop
 * waits for it.
 */
public interface SiteActions {

  /** Take over the service: run the failover runbook under {@code token}. */
  void activate(FencingToken token, String reason);

  /** Stop serving now. Completes when the site no longer answers as the service. */
  CompletionStage<Void> fence(String reason);
}
