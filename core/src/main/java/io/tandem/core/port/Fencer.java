package io.tandem.core.port;

import io.tandem.core.witness.FencingToken;

/**
 * Port: stops an old primary from serving (stop an EC2 instance, deallocate an Azure VM, swap
 * security groups, switch a power outlet).
 *
 * <p>Contract: only acts with a valid {@code token}; idempotent; bounded by a timeout. Callers use
 * it best-effort: a failure is reported, it never blocks the failover beyond its timeout. {@link
 * #fence} refuses with {@link io.tandem.core.error.StaleEpochException} when the target records a
 * newer epoch than {@code token}: a stale holder can never stop the site that holds a newer ticket,
 * because the new holder records its epoch on its own machine first ({@link #recordHolder}).
 */
public interface Fencer {

  String provider();

  FenceState observe(String target);

  FenceState fence(String target, FencingToken token);

  /**
   * Records on {@code target} — this site's own machine, the one a stale holder's fencer would stop
   * — that this site now serves under {@code token} (EC2 instance tags, Azure VM tags). A runbook
   * step at activation calls it before the site starts serving. Idempotent: a target that already
   * records {@code token} is left alone.
   *
   * <p>The default is for fencers whose targets keep no record (a power outlet): it records nothing
   * and says so.
   *
   * @return a short sentence for the run report
   * @throws io.tandem.core.error.StaleEpochException if the target records a newer epoch: another
   *     site holds a newer ticket, and the caller must fence itself
   */
  default String recordHolder(String target, FencingToken token) {
    return "nothing recorded: " + provider() + " keeps no epoch on " + target;
  }
}
