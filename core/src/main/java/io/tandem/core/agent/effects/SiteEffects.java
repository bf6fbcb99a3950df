package io.tandem.core.agent.effects;

import java.util.concurrent.CompletionStage;

/**
 * What an agent does to its own site and to the shared resources when the decision loop says so:
 * the one seam between the agent core (decisions) and the world. Production implements it with
 * runbooks and adapters; the simulation with timed, fallible stand-ins; the lab with the production
 * implementation over simulated providers.
 *
 * <p>Contract: every method returns at once and works asynchronously; the core never blocks its
 * tick thread on them. Completions may arrive on any thread; the core hands them back to its own.
 *
 * <ul>
 *   <li>{@link #activate} takes over the service under the activation's token (every step checks
 *       that the ticket with that epoch is still held and not due to fence before it changes
 *       anything) and completes with how it ended.
 *   <li>{@link #fence} first cancels any running activation's steps, then stops this site serving
 *       as far as the request's mode says; it always completes within its budget, with {@link
 *       FenceResult.Outcome#UNKNOWN} when a part failed or timed out.
 * </ul>
 */
public interface SiteEffects {

  /** Take over the service. */
  CompletionStage<ActivationResult> activate(Activation activation);

  /** Stop serving (cancelling running steps first). */
  CompletionStage<FenceResult> fence(FenceRequest request);
}
