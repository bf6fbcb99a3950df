package io.tandem.core.port;

import io.tandem.core.witness.FencingToken;

/**
 * Port: stops an old primary from serving (stop an EC2 instance, deallocate an Azure VM, swap
 * security groups, switch a power outlet).
 *
 * <p>Contract: only acts with a valid {@code token}; idempotent; bounded by a timeout. Callers use
 * it best-effort: a failure is reported, it never blocks the failover beyond its timeout.
 */
public interface Fencer {

  String provider();

  FenceState observe(String target);

  FenceState fence(String target, FencingToken token);
}
