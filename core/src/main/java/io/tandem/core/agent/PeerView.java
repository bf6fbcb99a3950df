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
   * The best-ranked healthy standby that reaches the witness (and, if {@code freeOnly}, is not
   * bound by a promise); if {@code onlyPreferred}, only one ranked before us. Null if none.
   */
  PeerReport bestReady(boolean onlyPreferred, boolean freeOnly) {
    PeerReport best = null;
    for (PeerReport p : fresh) {
      boolean ready =
          p.state() == AgentState.STANDBY
              && p.healthy()
              && p.witnessReachable()
              && !(freeOnly && p.promiseBound());
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
