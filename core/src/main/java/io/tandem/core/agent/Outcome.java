package io.tandem.core.agent;

/** What one rule of the decision loop decided: the next state, the action, its reason and words. */
record Outcome(AgentState to, Action action, ReasonCode reason, String words) {

  static String secs(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e9);
  }
}
