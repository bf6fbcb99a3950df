package io.tandem.app.lab;

import io.tandem.core.agent.AgentSettings;
import io.tandem.core.config.Timings;
import io.tandem.core.witness.WitnessSettings;
import java.time.Duration;
import java.util.Set;

/**
 * The lab's timings: short, so a failover shows within seconds, and still inside every timing
 * invariant the agent settings enforce ({@code renew + 2*retry + fenceLead + drift <= TTL}).
 */
final class LabTimings {

  static final Duration TICK = Duration.ofMillis(200);
  static final Duration TTL = Duration.ofMillis(2400);
  static final Duration RENEW = Duration.ofMillis(600);
  static final Duration RETRY = Duration.ofMillis(300);
  static final Duration GRACE = Duration.ofMillis(800);
  static final Duration DRIFT = Duration.ofMillis(200);
  static final Duration SENSOR_INTERVAL = Duration.ofMillis(400);
  static final Duration SENSOR_TIMEOUT = Duration.ofMillis(300);
  static final Duration WITNESS_CALL_TIMEOUT = Duration.ofMillis(300);

  private LabTimings() {}

  /** The lab's clocks as the cluster file would state them: one home, validated like any. */
  static Timings timings() {
    return Timings.builder()
        .tick(TICK)
        .ticketTtl(TTL)
        .renewInterval(RENEW)
        .retryTimeout(RETRY)
        .witnessGrace(GRACE)
        .driftMargin(DRIFT)
        .sensorInterval(SENSOR_INTERVAL)
        .sensorTimeout(SENSOR_TIMEOUT)
        .build();
  }

  static AgentSettings agent(String cluster, String site, int priority, Set<String> peers) {
    return AgentSettings.builder()
        .cluster(cluster)
        .site(site)
        .priority(priority)
        .peers(peers)
        .timings(timings())
        .build();
  }

  static WitnessSettings witness() {
    return WitnessSettings.builder().grace(GRACE).minTtl(Duration.ofSeconds(1)).build();
  }
}
