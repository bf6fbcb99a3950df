package io.tandem.app.lab;

import io.tandem.core.agent.AgentState;
import io.tandem.core.event.TandemEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The lab's RTO broken down from what it watched: the fault it injected, the taking-over agent's
 * own decisions and runs (its API's event stream) and the moment the outside view led there.
 * Detection ends when that agent sets out to acquire, the ticket wait when it holds the ticket and
 * activates, the decision when its run starts; the rest is the runbook until callers, DNS and the
 * carrier lead to it. The segments add up to the total. Thread-safe (events arrive on the agents'
 * event threads).
 */
final class LabRtoBreakdown {

  private final String site;
  private final Instant fault;
  private volatile Instant acquiring;
  private volatile Instant active;
  private volatile Instant runStarted;

  LabRtoBreakdown(String site, Instant fault) {
    this.site = site;
    this.fault = fault;
  }

  /** Feeds one event of any agent. */
  void on(TandemEvent e) {
    if (e instanceof TandemEvent.DecisionMade m
        && m.site().equals(site)
        && !m.at().isBefore(fault)) {
      AgentState to = m.decision().to();
      if (acquiring == null && to == AgentState.ACQUIRING) {
        acquiring = m.at();
      }
      if (active == null && to == AgentState.ACTIVE) {
        active = m.at();
        if (acquiring == null) {
          acquiring = m.at(); // acquired at the first attempt, within one tick
        }
      }
    } else if (e instanceof TandemEvent.RunStarted r
        && site.equals(r.to())
        && runStarted == null
        && !r.at().isBefore(fault)) {
      runStarted = r.at();
    }
  }

  Long detectionMillis() {
    return between(fault, acquiring);
  }

  Long ticketWaitMillis() {
    return between(acquiring, active);
  }

  Long decisionMillis() {
    return between(active, runStarted);
  }

  /** One line: each segment with what ends it. */
  String describe(Instant restored, long epoch) {
    return String.format(
        Locale.ROOT,
        "detection %s (fault → %s sets out to acquire), ticket wait %s (→ ticket epoch %d granted,"
            + " activating), decision %s (→ run started), runbook %s (→ the outside view leads to"
            + " %s)",
        secs(detectionMillis()),
        site,
        secs(ticketWaitMillis()),
        epoch,
        secs(decisionMillis()),
        secs(between(runStarted, restored)),
        site);
  }

  private static Long between(Instant a, Instant b) {
    return a == null || b == null ? null : Duration.between(a, b).toMillis();
  }

  private static String secs(Long millis) {
    return millis == null ? "n/a" : String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
  }
}
