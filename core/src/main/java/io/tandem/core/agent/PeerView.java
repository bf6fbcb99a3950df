package io.tandem.core.agent;

import java.util.Comparator;
import java.util.List;

/**
 * The peers' reports that are fresh enough to act on this tick (received within {@code
 * peerReportTimeout}), with the questions the decision loop asks of them. Immutable.
 */
final class PeerView {

  private final AgentSettings settings;
  private final List<PeerReport> fresh;

  private PeerView(AgentSettings settings, List<PeerReport> fresh) {
    this.settings = settings;
    this.fresh = fresh;
  }

  static PeerView of(AgentSettings settings, TickSnapshot s) {
    long limit = settings.peerReportTimeout().toNanos();
    List<PeerReport> fresh =
        s.peers().values().stream()
            .filter(p -> s.nowNanos() - p.receivedAtNanos() <= limit)
            .sorted(Comparator.comparing(PeerReport::site))
            .toList();
    return new PeerView(settings, fresh);
  }

  /** A peer announcing a hand-over (to us or to another site), or null. */
  PeerReport handover() {
    return fresh.stream().filter(p -> p.handingOverTo() != null).findFirst().orElse(null);
  }

  /** A peer that is active, or acquiring and ranked before us; null if none. */
  PeerReport activeOrAcquiringBeforeUs() {
    return fresh.stream()
        .filter(
            p ->
                p.state() == AgentState.ACTIVE
                    || (p.state() == AgentState.ACQUIRING
                        && p.ranksBefore(settings.priority(), settings.site())))
        .findFirst()
        .orElse(null);
  }

  /**
   * The best-ranked peer ranked before us that is still STARTING, healthy and reaching the witness
   * (a preferred site in its start-up hold), or null.
   */
  PeerReport preferredStarting() {
    PeerReport best = null;
    for (PeerReport p : fresh) {
      if (p.state() == AgentState.STARTING
          && p.healthy()
          && p.witnessReachable()
          && p.ranksBefore(settings.priority(), settings.site())
          && (best == null || p.ranksBefore(best.priority(), best.site()))) {
        best = p;
      }
    }
    return best;
  }

  /**
   * The best-ranked healthy standby that reaches the witness; if {@code onlyPreferred}, only one
   * ranked before us. Null if none. (A standby bound by a promise counts: while an active site
   * lives every standby is bound, and the binding ends one TTL after that site's last request.)
   */
  PeerReport bestReady(boolean onlyPreferred) {
    PeerReport best = null;
    for (PeerReport p : fresh) {
      boolean ready = p.state() == AgentState.STANDBY && p.healthy() && p.witnessReachable();
      if (!ready || (onlyPreferred && !p.ranksBefore(settings.priority(), settings.site()))) {
        continue;
      }
      if (best == null || p.ranksBefore(best.priority(), best.site())) {
        best = p;
      }
    }
    return best;
  }
}
