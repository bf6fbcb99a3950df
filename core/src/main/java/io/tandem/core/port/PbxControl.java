package io.tandem.core.port;

import java.time.Duration;

/**
 * Port: talks to the PBX on a site (Asterisk AMI, FreeSWITCH ESL).
 *
 * <p>Contract: every call has a timeout; failures to reach the PBX throw {@link
 * io.tandem.core.error.TransientException}, a rejected login {@link
 * io.tandem.core.error.PermissionException}. The controls are idempotent.
 */
public interface PbxControl extends AutoCloseable {

  PbxStatus status();

  /**
   * Refuse new calls (call drain before a switchover, or self-fencing). A PBX that is not running
   * takes no calls: implementations that can tell ({@link #notRunning}) return normally then.
   */
  void stopNewCalls();

  /**
   * Whether the PBX is not running now, as far as this adapter can prove it (e.g. its management
   * port on this machine refuses connections); false when it runs or this cannot tell. Bounded by a
   * fraction of a second.
   */
  default boolean notRunning() {
    return false;
  }

  /**
   * Asks the adapter to say "refuse new calls" again on every new login to the PBX while that was
   * the last word of this control: the setting is process state, and a PBX restarted after a crash
   * would take calls on a fenced site. For the agent's own control, which also says "accept" when
   * its site serves; not for a control that only ever stops (the fence guard's), whose last word
   * would outlive the site's next activation.
   */
  default void keepRefusingAcrossRestarts() {}

  /** Accept new calls again. */
  void acceptNewCalls();

  /** Register an outbound registration / gateway of the PBX itself. */
  void registerTrunk(String trunk);

  /** Unregister an outbound registration / gateway of the PBX itself. */
  void unregisterTrunk(String trunk);

  /**
   * Starts stopping the PBX once its calls have ended, and returns as soon as the PBX has confirmed
   * that it is stopping (it refuses new calls and will exit after the last one) or has already
   * exited. It does not wait for the calls: {@link #awaitStopped} watches for the exit. The shared
   * management session stays usable meanwhile.
   */
  void gracefulStop();

  /**
   * Watches the PBX from outside until it has exited (its management port refuses connections), at
   * most {@code within}.
   *
   * @return true once it has exited, false if it still runs at the end
   */
  default boolean awaitStopped(Duration within) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " cannot watch the PBX process");
  }

  @Override
  default void close() {}
}
