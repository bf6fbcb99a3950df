package io.tandem.core.agent;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Priority between sites over time: how long a more preferred site has looked ready (automatic
 * failback waits for a stable period) and how long a standby has waited for a more preferred site
 * still starting (priority holds at a cold start, issue 18.2). Not thread-safe: owned by {@link
 * DecisionLoop}.
 */
final class PreferredPeers {

  private final AgentSettings settings;
  private final Map<String, Long> goodSince = new HashMap<>();
  private final Map<String, Long> startingSince = new HashMap<>();

  PreferredPeers(AgentSettings settings) {
    this.settings = settings;
  }

  /**
   * How long {@code preferred} (null if none) has been ready without a break, in nanoseconds; 0 the
   * first time it is seen.
   */
  long readyFor(PeerReport preferred, long now) {
    goodSince.keySet().removeIf(k -> preferred == null || !k.equals(preferred.site()));
    if (preferred == null) {
      return 0;
    }
    return now - goodSince.computeIfAbsent(preferred.site(), k -> now);
  }

  /**
   * With no site active, a standby does not take the service while a reachable, healthy, more
   * preferred site is still in its start-up hold (both agents started together, the preferred one
   * finishing a few seconds later). It waits at most {@link #startingDeferralNanos()} from the
   * first time it saw that site starting, so a site stuck in start-up (its start-up fence never
   * confirmed) cannot keep the service down. The words if we wait, else null.
   */
  String waitForStarting(PeerReport starting, long now) {
    if (starting == null) {
      startingSince.clear();
      return null;
    }
    startingSince.keySet().retainAll(Set.of(starting.site()));
    long since = startingSince.computeIfAbsent(starting.site(), k -> now);
    long left = since + startingDeferralNanos() - now;
    if (left <= 0) {
      return null;
    }
    return "no action: "
        + starting.site()
        + " is preferred and still starting (healthy); waiting up to "
        + Outcome.secs(left)
        + " s more before acquiring";
  }

  /**
   * How long a standby waits for a preferred site still starting: its start-up hold plus two peer
   * report timeouts (the start-up fence and the first reports after it).
   */
  long startingDeferralNanos() {
    return settings.startupHold().toNanos() + 2 * settings.peerReportTimeout().toNanos();
  }
}
