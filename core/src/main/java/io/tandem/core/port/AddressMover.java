package io.tandem.core.port;

import io.tandem.core.witness.FencingToken;

/**
 * Port: moves a service address (AWS Elastic IP, Azure public IP, a site VIP) to another target.
 *
 * <p>Contract: {@link #observe} changes nothing. {@link #move} is idempotent (moving to where it
 * already is changes nothing), checks the epoch recorded on the resource first and throws {@link
 * io.tandem.core.error.StaleEpochException} if it is newer than {@code token.epoch()}, records the
 * token as part of the move, and returns the binding read back after the change. Every remote call
 * has a timeout. Implementations are thread-safe.
 */
public interface AddressMover {

  /** Provider name for circuit breakers and reports, e.g. {@code aws-eip}. */
  String provider();

  AddressBinding observe(String address);

  AddressBinding move(String address, String target, FencingToken token);
}
