package io.tandem.core.agent;

/** Why a decision was taken; stable codes for tests, metrics and alerting. */
public enum ReasonCode {
  STARTUP_FENCE,
  STARTUP_HOLD,
  STARTED,
  HOLDING_TICKET,
  ACQUIRING,
  TICKET_GRANTED,
  TICKET_REFUSED,
  AWAITING_WITNESS,
  WITNESS_TIMEOUT,
  WITNESS_UNREACHABLE,
  PEER_ACTIVE,
  DEFER_TO_PREFERRED,
  HANDOVER_TO_OTHER,
  PROMISE_HOLD,
  UNHEALTHY,
  TICKET_EXPIRED,
  TICKET_LOST,
  FAILSAFE_PEERS_CONFIRMED,
  FAILSAFE_CONFIRMATION_MISSING,
  KEEP_RUNNING_WITHOUT_WITNESS,
  UNHEALTHY_HANDING_OVER,
  ACTIVATION_FAILED,
  ACTIVATION_STEPPING_DOWN,
  ACTIVATION_NEEDS_OPERATOR,
  /**
   * The fence guard stopped the PBX after this holder's activation began while the ticket is still
   * held (its beats reached the guard too late): the holder activates again at once under the same
   * epoch. Not a failed activation: no backoff, no count towards the step-down bound.
   */
  REACTIVATING_AFTER_GUARD_FENCE,
  UNHEALTHY_NO_BETTER_PEER,
  SWITCHOVER_RELEASING,
  SWITCHOVER_TARGET_ACQUIRING,
  FAILBACK_RELEASING,
  MAINTENANCE_ENTERED,
  MAINTENANCE,
  MAINTENANCE_LEFT,
  FORCED_ACQUIRE,
  /** A forced acquire waits for the preempted holder's ticket to lapse on the witness. */
  FORCED_ACQUIRE_WAITING,
  COMMAND_REJECTED,
  COMMAND_LAPSED,
  FENCE_IN_PROGRESS,
  FENCE_UNKNOWN,
  FENCED,
  RELEASING_TICKET,
  UNEXPECTED_TICKET_RELEASED;

  /**
   * Whether a decision with this reason is an alarm on-call must hear about even without a state
   * change: a holder that cannot do its job, or a fence that could not be confirmed.
   */
  public boolean alarm() {
    return switch (this) {
      case ACTIVATION_FAILED, ACTIVATION_STEPPING_DOWN, ACTIVATION_NEEDS_OPERATOR, FENCE_UNKNOWN ->
          true;
      default -> false;
    };
  }
}
