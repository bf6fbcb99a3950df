package io.tandem.app.api;

import java.time.Instant;

/**
 * One decision of one agent's loop, with its reason.
 *
 * @param at when it was taken
 * @param site the deciding site
 * @param state the agent's state after the decision
 * @param action what it does
 * @param reasonCode stable code, e.g. {@code HOLDING_TICKET}
 * @param words the sentence, e.g. {@code no action: holding ticket epoch 12, healthy 25/25}
 */
public record DecisionView(
    Instant at, String site, String state, String action, String reasonCode, String words) {

  /** A decision of {@code site}'s loop, as the API and the console show it. */
  public static DecisionView of(String site, io.tandem.core.agent.Decision d) {
    return new DecisionView(
        d.at(), site, d.to().name(), d.action().name(), d.reason().name(), d.words());
  }
}
