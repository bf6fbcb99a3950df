package io.tandem.app.lab;

import io.tandem.core.port.FenceState;
import io.tandem.core.port.Fencer;
import io.tandem.core.witness.FencingToken;
import io.tandem.sim.lab.SimSipServer;
import java.util.Map;

/**
 * The lab's SIMULATED fencer for its {@code aws-ec2-stop} fencing targets: "stops" an old site's
 * instance, so its PBX answers 503 afterwards, as a cloud stop call would. The lab's operator
 * powers it on again once that site stands by. Idempotent.
 */
final class SimFencer implements Fencer {

  private final Map<String, SimSipServer> pbxBySite;

  /**
   * @param pbxByInstance each fencing target (instance id) to the PBX running on it
   */
  SimFencer(Map<String, SimSipServer> pbxByInstance) {
    this.pbxBySite = Map.copyOf(pbxByInstance);
  }

  @Override
  public String provider() {
    return "simulated-power";
  }

  @Override
  public FenceState observe(String target) {
    SimSipServer pbx = pbxBySite.get(target);
    boolean fenced = pbx == null || !pbx.serving();
    return new FenceState(target, fenced, fenced ? "powered off" : "powered on");
  }

  @Override
  public FenceState fence(String target, FencingToken token) {
    SimSipServer pbx = pbxBySite.get(target);
    if (pbx != null) {
      pbx.serving(false);
    }
    return observe(target);
  }
}
