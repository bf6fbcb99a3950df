package io.tandem.core.agent;

import static io.tandem.core.agent.PortCalls.call;
import static io.tandem.core.agent.PortCalls.message;

import io.tandem.core.health.SiteHealth;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketHolder;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of the witness conversation: acquire (and its resends), renew, the poll that
 * asks who holds the ticket, release, and the bookkeeping of the witness's answers (when it last
 * answered, the newest epoch and the other holder it named). Every answer goes to the {@link
 * TicketHolder}; an answered acquire ticks the loop at once, a renewal that moved the deadline
 * beats the guard at once.
 *
 * <p>Threading: confined to the agent's thread (the {@link AgentScheduler}'s, one task at a time),
 * like every part of {@link AgentCore}; no lock. Completions of the {@link WitnessLink}'s stages
 * hand over to that thread through {@code onAgentThread} (which drops them once the agent stopped)
 * before they touch any state here.
 */
final class WitnessConversation {

  // the same logger as before the split: operators' log configuration names AgentCore
  private static final Logger log = LoggerFactory.getLogger(AgentCore.class);

  private final AgentSettings settings;
  private final TicketHolder holder;
  private final PeerBoard board;
  private final DecisionLoop loop;
  private final Supplier<SiteHealth> health;
  private final WitnessLink witness;
  private final AgentScheduler scheduler;
  private final Consumer<Runnable> onAgentThread;
  private final Runnable decide;
  private final Runnable beatGuard;

  private long lastWitnessReply;
  private boolean anyWitnessReply;
  private long pingSentAt = Long.MIN_VALUE;
  private long lastWitnessSent = Long.MIN_VALUE;
  private TicketRequest acquireInFlight;
  private long acquireSentAt = Long.MIN_VALUE;
  private Ticket witnessNamedOther;
  private long witnessNamedEpoch;

  /**
   * @param onAgentThread runs a task on the agent thread if the agent still runs
   * @param decide ticks the decision loop now (on the agent thread)
   * @param beatGuard tells the fence guard now (on the agent thread)
   */
  WitnessConversation(
      AgentSettings settings,
      TicketHolder holder,
      PeerBoard board,
      DecisionLoop loop,
      Supplier<SiteHealth> health,
      WitnessLink witness,
      AgentScheduler scheduler,
      Consumer<Runnable> onAgentThread,
      Runnable decide,
      Runnable beatGuard) {
    this.settings = settings;
    this.holder = holder;
    this.board = board;
    this.loop = loop;
    this.health = health;
    this.witness = witness;
    this.scheduler = scheduler;
    this.onAgentThread = onAgentThread;
    this.decide = decide;
    this.beatGuard = beatGuard;
  }

  /** Whether the witness answered anything within the reachability window before {@code now}. */
  boolean reachable(long now) {
    return anyWitnessReply && now - lastWitnessReply <= settings.witnessReachableWindow().toNanos();
  }

  /** Whether the witness ever named another site as the holder. */
  boolean namedOther() {
    return witnessNamedOther != null;
  }

  /**
   * Whether to ask the witness for the ticket now (17.3: fewer requests per cluster): no ask in
   * flight (or it is older than the retry timeout), and no request of any kind — acquire, renewal,
   * ask — went out for a poll interval. Every answer proves the witness reachable, so a holder
   * renewing every 300 ms never asks, and a standby asks every fifth tick at the defaults; a
   * takeover is not slowed, because a standby acquires on its own tick once its peer's reports
   * stop, and its reachability window spans the poll interval.
   */
  boolean pollDue(long now) {
    if (pingSentAt != Long.MIN_VALUE && now - pingSentAt <= settings.retryTimeout().toNanos()) {
      return false;
    }
    // half a tick of slack: a request sent a moment after a tick must not push the ask a tick on
    long poll = settings.witnessPollInterval().toNanos() - settings.tick().toNanos() / 2;
    return lastWitnessSent == Long.MIN_VALUE || now - lastWitnessSent >= poll;
  }

  void acquire(Decision d, TickSnapshot s) {
    boolean force = d.action() == Action.FORCE_ACQUIRE;
    long sentAt = holder.markSent();
    lastWitnessSent = sentAt;
    // present the newest epoch we know: the witness lifts its counter past it, so an epoch is
    // never issued twice even if the witness lost its state
    long known = knownEpoch();
    TicketRequest r =
        force
            ? TicketRequest.forced(
                settings.cluster(),
                settings.site(),
                s.health().healthy(),
                settings.ticketTtl(),
                known,
                TicketRequest.FORCE_ACKNOWLEDGEMENT)
            : TicketRequest.acquire(
                settings.cluster(),
                settings.site(),
                s.health().healthy(),
                settings.ticketTtl(),
                known);
    acquireInFlight = force ? null : r; // a forced acquire goes over HTTPS, once
    acquireSentAt = sentAt;
    onReply(sentAt, call(() -> witness.acquire(r)), true);
  }

  /**
   * Whether the acquire in flight should go again (17.1, the lossy site-loss p99): unanswered for a
   * retry interval (a third of the renew interval, less the timer slack: a standby has no
   * round-trip samples, and a takeover is rare enough that a copy sent before a slow answer costs
   * nothing), within the first retry timeout of the acquire, and only to a witness that answers
   * copies alike ({@link WitnessLink#answersConcurrentAcquiresAlike()}). Before, a lost acquire or
   * answer cost the whole retry timeout and a tick: half a second each, two seconds at the p99 of a
   * 20 %-loss link.
   */
  boolean acquireResendDue(long now) {
    if (acquireInFlight == null
        || acquireSentAt == Long.MIN_VALUE
        || !witness.answersConcurrentAcquiresAlike()) {
      return false; // never two in flight to a witness that might refuse the second (Witness)
    }
    // resends within the first retry timeout of the acquire (a standby whose witness is down does
    // not resend for ever); the loop waits a retry timeout after the last one (StandbyRules)
    long window = loop.acquiringSince + settings.retryTimeout().toNanos() - holder.retryNanos();
    return now - acquireSentAt >= holder.retryNanos() - holder.timerSlack() && now - window < 0;
  }

  /**
   * The same acquire again, as two requests (two datagrams, two nonces, one send time): the witness
   * answers a duplicate acquire from the site it granted under the newest epoch with that grant
   * (docs/witness-protocol.md, rule 2), so a resend never costs an epoch.
   */
  void resendAcquire() {
    TicketRequest r = acquireInFlight;
    long sentAt = holder.markSent();
    lastWitnessSent = sentAt;
    acquireSentAt = sentAt;
    for (int i = 0; i < 2; i++) {
      onReply(sentAt, call(() -> witness.acquire(r)), true);
    }
  }

  /** The newest epoch this agent has seen: its own, the witness's answers, its peers' reports. */
  private long knownEpoch() {
    long e = Math.max(holder.view().epoch(), witnessNamedEpoch);
    for (PeerBoard.PeerMemory m : board.memory().values()) {
      e = Math.max(e, m.lastServingEpoch());
    }
    return Math.min(e, TicketRequest.MAX_EPOCH);
  }

  void renew() {
    long epoch = holder.view().epoch();
    int copies = holder.renewalCopies(); // two when the link loses (17.1: redundancy)
    long sentAt = holder.markSent();
    lastWitnessSent = sentAt;
    TicketRequest r =
        TicketRequest.renew(
            settings.cluster(), settings.site(), safeHealthy(), settings.ticketTtl(), epoch);
    for (int i = 0; i < copies; i++) {
      onReply(sentAt, call(() -> witness.renew(r)), false);
    }
  }

  private boolean safeHealthy() {
    return health.get().healthy();
  }

  void ping(long sentAt) {
    pingSentAt = sentAt;
    lastWitnessSent = sentAt;
    call(() -> witness.observe(settings.cluster()))
        .whenComplete(
            (ticket, error) ->
                onAgentThread.accept(
                    () -> {
                      if (pingSentAt == sentAt) {
                        pingSentAt = Long.MIN_VALUE;
                      }
                      if (error != null) {
                        holder.onFailure(sentAt, message(error));
                        return;
                      }
                      witnessAnswered();
                      ticket.ifPresent(this::noteWitnessTicket);
                    }));
  }

  void release(long epoch) {
    holder.released();
    call(() -> witness.release(settings.cluster(), settings.site(), epoch))
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                log.warn(
                    "agent {}: release of epoch {} failed: {}",
                    settings.site(),
                    epoch,
                    message(error));
              }
            });
  }

  private void onReply(long sentAt, CompletionStage<TicketResult> reply, boolean tickOnReply) {
    reply.whenComplete(
        (result, error) ->
            onAgentThread.accept(
                () -> {
                  if (error != null) {
                    holder.onFailure(sentAt, message(error));
                    return;
                  }
                  witnessAnswered();
                  if (tickOnReply) {
                    acquireInFlight = null; // answered (granted or refused): nothing to resend
                  }
                  if (result.ticket() != null) {
                    noteWitnessTicket(result.ticket());
                  }
                  long deadline = holder.view().deadlineNanos();
                  holder.onResult(sentAt, result);
                  if (tickOnReply && loop.state() == AgentState.ACQUIRING) {
                    decide.run();
                  } else if (holder.view().deadlineNanos() != deadline) {
                    // tell the guard at once, not at the next tick: a renewal answered in the
                    // last tick before the old self-fence point would otherwise reach the guard
                    // after it fenced (the window shrinks to the socket's latency)
                    beatGuard.run();
                  }
                }));
  }

  private void witnessAnswered() {
    lastWitnessReply = scheduler.nanoTime();
    anyWitnessReply = true;
  }

  private void noteWitnessTicket(Ticket t) {
    witnessNamedEpoch = Math.max(witnessNamedEpoch, t.epoch());
    if (!t.holder().equals(settings.site())) {
      witnessNamedOther = t;
    }
  }
}
