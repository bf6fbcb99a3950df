package io.tandem.core.agent;

import io.tandem.core.agent.effects.ActivationCause;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Why a site activates, decided from what it saw (see {@link ActivationCause}): {@code Forced} for
 * an acknowledged forced acquire; {@code PlannedHandover} when the releasing site named us; {@code
 * FirstActivation} when no site was ever seen serving and the witness named no earlier holder;
 * {@code Outage} otherwise, with the site last seen serving, its epoch, and the fault's first sign
 * (its first failing report while serving, else the last time we heard it).
 *
 * <p>Threading: confined to the agent's thread (the {@link AgentScheduler}'s, one task at a time),
 * like every part of {@link AgentCore}; no lock.
 */
final class ActivationCauses {

  private final AgentSettings settings;
  private final PeerBoard board;
  private final BooleanSupplier witnessNamedOther;

  private boolean acquireForced;
  private String handoverFrom;
  private long handoverFromEpoch;
  private long acquireDecidedAt;

  /**
   * @param witnessNamedOther whether the witness ever named another site as holder
   */
  ActivationCauses(AgentSettings settings, PeerBoard board, BooleanSupplier witnessNamedOther) {
    this.settings = settings;
    this.board = board;
    this.witnessNamedOther = witnessNamedOther;
  }

  /** An acquire was decided at {@code now}: remember what it says about the cause. */
  void noteAcquire(boolean force, ReasonCode reason, long now) {
    acquireForced = force;
    acquireDecidedAt = now;
    handoverFrom = null;
    handoverFromEpoch = 0;
    if (reason == ReasonCode.SWITCHOVER_TARGET_ACQUIRING) {
      board.reports().values().stream()
          .filter(r -> settings.site().equals(r.handingOverTo()))
          .min(Comparator.comparing(PeerReport::site))
          .ifPresent(
              r -> {
                handoverFrom = r.site();
                PeerBoard.PeerMemory m = board.memory().get(r.site());
                handoverFromEpoch = m == null ? 0 : m.lastServingEpoch();
              });
    }
  }

  ActivationCause cause(TickSnapshot s) {
    Optional<PeerBoard.PeerMemory> last = board.lastServing();
    Optional<String> lastSite = last.map(PeerBoard.PeerMemory::site);
    long lastEpoch = last.map(PeerBoard.PeerMemory::lastServingEpoch).orElse(0L);
    if (acquireForced) {
      return new ActivationCause.Forced(lastSite, lastEpoch);
    }
    if (handoverFrom != null) {
      return new ActivationCause.PlannedHandover(handoverFrom, handoverFromEpoch);
    }
    if (last.isEmpty() && !board.anySeenServing() && !witnessNamedOther.getAsBoolean()) {
      return new ActivationCause.FirstActivation();
    }
    long firstSign = last.map(PeerBoard.PeerMemory::faultFirstSeenNanos).orElse(acquireDecidedAt);
    Instant at = s.wallTime().minusNanos(s.nowNanos() - firstSign);
    return new ActivationCause.Outage(lastSite, lastEpoch, at);
  }
}
