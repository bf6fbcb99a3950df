package io.tandem.app.api;

import java.time.Instant;

/**
 * One decision of one agent's loop, with its reason; a run of identical decisions (same state,
 * action and reason code, tick after tick: "no action: holding ticket ...") is shown once, with how
 * many ticks it covers, the latest time and words.
 *
 * @param at when it was taken (the latest of a run)
 * @param site the deciding site
 * @param state the agent's state after the decision
 * @param action what it does
 * @param reasonCode stable code, e.g. {@code HOLDING_TICKET}
 * @param words the sentence, e.g. {@code no action: holding ticket epoch 12, healthy 25/25}
 * @param repeats how many decisions in a row this entry stands for (1 for a single one)
 * @param firstAt when the first of them was taken
 */
public record DecisionView(
    Instant at,
    String site,
    String state,
    String action,
    String reasonCode,
    String words,
    int repeats,
    Instant firstAt) {

  /** A single decision. */
  public DecisionView(
      Instant at, String site, String state, String action, String reasonCode, String words) {
    this(at, site, state, action, reasonCode, words, 1, at);
  }

  /**
   * Whether {@code other} repeats this decision: same site, state, action and reason, and the same
   * words but for their numbers ("not acquiring for another 1.5 s" repeats "... 2.0 s"; "alpha is
   * preferred and ready" does not repeat "alpha is preferred and still starting").
   */
  public boolean sameAs(DecisionView other) {
    return site.equals(other.site)
        && state.equals(other.state)
        && action.equals(other.action)
        && reasonCode.equals(other.reasonCode)
        && shape(words).equals(shape(other.words));
  }

  private static String shape(String words) {
    return words.replaceAll("\\d+(?:[.,]\\d+)*", "#");
  }

  /** This entry standing for {@code older} too (this one is the newer). */
  public DecisionView absorbing(DecisionView older) {
    return new DecisionView(
        at, site, state, action, reasonCode, words, repeats + older.repeats, older.firstAt);
  }

  /** A decision of {@code site}'s loop, as the API and the console show it. */
  public static DecisionView of(String site, io.tandem.core.agent.Decision d) {
    return new DecisionView(
        d.at(), site, d.to().name(), d.action().name(), d.reason().name(), d.words());
  }
}
