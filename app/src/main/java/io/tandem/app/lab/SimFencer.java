package io.tandem.app.lab;

import io.tandem.core.error.StaleEpochException;
import io.tandem.core.port.FenceState;
import io.tandem.core.port.Fencer;
import io.tandem.core.witness.FencingToken;
import io.tandem.sim.lab.SimSipServer;
import java.util.HashMap;
import java.util.Map;

/**
 * The lab's SIMULATED fencer for its {@code aws-ec2-stop} fencing targets: "stops" an old site's
 * instance, so its PBX answers 503 afterwards, as a cloud stop call would. The lab's operator
 * powers it on again once that site stands by.
 *
 * <p>It keeps what EC2 keeps and refuses what {@code Ec2Fencer} refuses: each instance records the
 * newest epoch written to it (the {@code tandem:epoch} tag); {@link #fence} records the token's
 * epoch first, and both {@link #fence} and {@link #recordHolder} refuse with a {@link
 * StaleEpochException} where the instance records a newer epoch, so a stale holder never stops the
 * site that holds a newer ticket. Idempotent; thread-safe.
 */
final class SimFencer implements Fencer {

  private final Map<String, SimSipServer> pbxByInstance;
  private final Map<String, Long> recordedEpoch = new HashMap<>();

  /**
   * @param pbxByInstance each fencing target (instance id) to the PBX running on it
   */
  SimFencer(Map<String, SimSipServer> pbxByInstance) {
    this.pbxByInstance = Map.copyOf(pbxByInstance);
  }

  @Override
  public String provider() {
    return "simulated-power";
  }

  @Override
  public synchronized FenceState observe(String target) {
    SimSipServer pbx = pbxByInstance.get(target);
    boolean fenced = pbx == null || !pbx.serving();
    return new FenceState(target, fenced, fenced ? "powered off" : "powered on");
  }

  @Override
  public synchronized FenceState fence(String target, FencingToken token) {
    record(target, token);
    SimSipServer pbx = pbxByInstance.get(target);
    if (pbx != null) {
      pbx.serving(false);
    }
    return observe(target);
  }

  @Override
  public synchronized String recordHolder(String target, FencingToken token) {
    long was = record(target, token);
    return was == token.epoch()
        ? "instance " + target + " already records epoch " + token.epoch()
        : "instance "
            + target
            + " records epoch "
            + token.epoch()
            + " of site "
            + token.site()
            + " (was "
            + was
            + ")";
  }

  /** Writes the token's epoch on {@code target} unless it records a newer one; the old epoch. */
  private long record(String target, FencingToken token) {
    long recorded = recordedEpoch.getOrDefault(target, 0L);
    if (!token.mayOverwrite(recorded)) {
      throw new StaleEpochException("simulated instance " + target, token.epoch(), recorded);
    }
    recordedEpoch.put(target, Math.max(recorded, token.epoch()));
    return recorded;
  }
}
