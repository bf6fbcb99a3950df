package io.tandem.core.agent;

import java.util.function.BiFunction;

/** The decision loop's rule for an ACTIVE site whose activation failed or needs an operator. */
final class ActivationTrouble {

  private ActivationTrouble() {}

  /**
   * A holder that cannot do its job retries, then steps down. A failed activation — or one stopped
   * as fenced while the ticket is still held (a step outlived the time left it started with) — is
   * retried after 2, 4, ... ticks, {@value DecisionLoop#ACTIVATION_ATTEMPTS} attempts in all; then,
   * if a healthy peer can take over, this site fences and releases the ticket, else it holds on and
   * retries every TTL (releasing with nobody to take over would only end the service). An
   * activation that needs an operator (a step not safe to repeat may be half-applied) is never
   * retried: it steps down at once if a healthy peer can take over (its newer epoch wins every
   * resource), else it holds and says so. Null if the activation is fine.
   */
  static Outcome check(
      AgentSettings settings,
      TickSnapshot s,
      AgentState state,
      BiFunction<ReasonCode, String, Outcome> stepDown) {
    ActivationStatus a = s.activation();
    long epoch = s.ticket().epoch();
    if (a.epoch() == epoch && a.phase() == ActivationStatus.Phase.GUARD_FENCED) {
      // the guard's fence undid the activation while the ticket is still held: no failure, so no
      // backoff and no attempt counted (AgentCore.guardUndid); a run that then fails counts as
      // usual
      return new Outcome(
          state,
          Action.ACTIVATE,
          ReasonCode.REACTIVATING_AFTER_GUARD_FENCE,
          a.words() + "; activating it again under epoch " + epoch);
    }
    if (a.epoch() != epoch
        || (a.phase() != ActivationStatus.Phase.FAILED
            && a.phase() != ActivationStatus.Phase.CANCELLED
            && a.phase() != ActivationStatus.Phase.NEEDS_OPERATOR)) {
      return null;
    }
    PeerReport better = PeerView.of(settings, s).bestReady(false);
    if (a.phase() == ActivationStatus.Phase.NEEDS_OPERATOR) {
      if (better != null) {
        return stepDown.apply(
            ReasonCode.ACTIVATION_NEEDS_OPERATOR,
            "stepping down: the activation under epoch "
                + epoch
                + " needs an operator ("
                + a.words()
                + "); fencing and releasing the ticket so "
                + better.site()
                + " can take over");
      }
      return new Outcome(
          state,
          Action.NONE,
          ReasonCode.ACTIVATION_NEEDS_OPERATOR,
          "ALARM: the activation under epoch "
              + epoch
              + " needs an operator ("
              + a.words()
              + "); no healthy peer can take over, so holding the ticket without retrying");
    }
    long now = s.nowNanos();
    boolean gaveUp = a.failures() >= DecisionLoop.ACTIVATION_ATTEMPTS;
    if (gaveUp && better != null) {
      return stepDown.apply(
          ReasonCode.ACTIVATION_STEPPING_DOWN,
          "stepping down: the activation under epoch "
              + epoch
              + " failed "
              + a.failures()
              + " times ("
              + a.words()
              + "); fencing and releasing the ticket so "
              + better.site()
              + " can take over");
    }
    long backoff =
        gaveUp
            ? settings.ticketTtl().toNanos()
            : Math.min(
                settings.ticketTtl().toNanos(),
                settings.tick().toNanos() << Math.min(20, a.failures()));
    long wait = a.endedAtNanos() + backoff - now;
    String attempt =
        gaveUp
            ? "no healthy peer can take over, so holding the ticket and retrying every "
                + Outcome.secs(backoff)
                + " s"
            : "attempt " + (a.failures() + 1) + " of " + DecisionLoop.ACTIVATION_ATTEMPTS;
    if (wait > 0) {
      return new Outcome(
          state,
          Action.NONE,
          ReasonCode.ACTIVATION_FAILED,
          "ALARM: the activation under epoch "
              + epoch
              + " failed ("
              + a.words()
              + "); retrying in "
              + Outcome.secs(wait)
              + " s ("
              + attempt
              + ")");
    }
    return new Outcome(
        state,
        Action.ACTIVATE,
        ReasonCode.ACTIVATION_FAILED,
        "retrying the activation under epoch " + epoch + " (" + attempt + ")");
  }
}
