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
    Instant at, String site, String state, String action, String reasonCode, String words) {}
