package io.tandem.core.port;

/**
 * Port: talks to the PBX on a site (Asterisk AMI, FreeSWITCH ESL).
 *
 * <p>Contract: every call has a timeout; failures to reach the PBX throw {@link
 * io.tandem.core.error.TransientException}, a rejected login {@link
 * io.tandem.core.error.PermissionException}. The controls are idempotent.
 */
public interface PbxControl extends AutoCloseable {

  PbxStatus status();

  /** Refuse new calls (call drain before a switchover, or self-fencing). */
  void stopNewCalls();

  /** Accept new calls again. */
  void acceptNewCalls();

  /** Register an outbound registration / gateway of the PBX itself. */
  void registerTrunk(String trunk);

  /** Unregister an outbound registration / gateway of the PBX itself. */
  void unregisterTrunk(String trunk);

  /** Stop the PBX once its calls have ended. */
  void gracefulStop();

  @Override
  default void close() {}
}
