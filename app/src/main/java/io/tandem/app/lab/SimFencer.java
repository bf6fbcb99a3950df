package io.tandem.app.lab;

import io.tandem.core.port.FenceState;
import io.tandem.core.port.Fencer;
import io.tandem.core.witness.FencingToken;
import io.tandem.sim.lab.SimSipServer;
import java.util.Map;

/**
 * The lab's SIMULATED fencer: "powers off" an old site's PBX (it answers 503 afterwards), as a
 * power outlet or a cloud stop call would. Idempotent.
 */
final class SimFencer implements Fencer {

  private final Map<String, SimSipServer> pbxBySite;

  SimFencer(Map<String, SimSipServer> pbxBySite) {
    this.pbxBySite = pbxBySite;
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
