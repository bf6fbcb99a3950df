package io.tandem.core.witness;

import io.tandem.core.error.TandemException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of a witness ticket: remembers which epoch we hold and until when, on our own
 * monotonic clock, and tells listeners when to fence.
 *
 * <p>The local deadline is {@code sentAt + grantedTtl − driftMargin}, where {@code sentAt} is the
 * instant the granting request was <em>sent</em> (the witness started the TTL later than that, so
 * the agent's view always ends first, and {@code driftMargin} covers clock-rate differences; over a
 * grant longer than the TTL asked it grows in proportion). The self-fence callback fires {@code
 * fenceLead} before the deadline if no later renewal succeeded, so the service is down before the
 * witness could hand the ticket on (it waits for expiry plus grace on its own clock).
 *
 * <p>Transport-neutral: callers mark a request as sent ({@link #markSent()}), then report its
 * outcome with the returned send time ({@link #onResult}, {@link #onFailure}). {@link #renewNow}
 * does the three steps synchronously for a blocking {@link Witness}. Replies are matched by send
 * time, so late or reordered replies never move the deadline backwards or resurrect a released
 * ticket.
 *
 * <p>Thread-safe (one internal lock). Listener guarantees: see {@link TicketListener}. Call {@link
 * #poll()} at least every {@code fenceLead / 2} (or when a timer set for {@link #fenceAtNanos()}
 * fires) so the self-fence callback fires in time.
 */
public final class TicketHolder {

  private static final Logger log = LoggerFactory.getLogger(TicketHolder.class);

  /** Where the holder stands. */
  public enum State {
    /** Never held a ticket since start. */
    NONE,
    /** Holding a ticket whose local deadline is ahead and not within the fence lead. */
    HELD,
    /** Renewals failed and the deadline is within the fence lead: the self-fence callback fired. */
    FENCE_DUE,
    /** The local deadline passed without renewal. */
    EXPIRED,
    /** The witness refused our epoch: another site holds or held a newer one. */
    LOST,
    /** We gave the ticket back. */
    RELEASED
  }

  private final String cluster;
  private final String site;
  private final long renewIntervalNanos;
  private final long retryIntervalNanos;
  private final long timerSlackNanos;
  private final long driftMarginNanos;
  private final long askedTtlNanos;
  private final long fenceLeadNanos;
  private final LongSupplier nanos;
  private final List<TicketListener> listeners = new CopyOnWriteArrayList<>();

  private State state = State.NONE;
  private Ticket ticket;
  private long epoch;
  private long deadline;
  private long basisSent = Long.MIN_VALUE;
  private long lastSent = Long.MIN_VALUE;
  private long lastAnswered = Long.MIN_VALUE;
  private long failingSince = Long.MIN_VALUE;
  private long releasedAt = Long.MIN_VALUE;
  private boolean sentInReleaseInstant;
  private long lastRefusedSent = Long.MIN_VALUE;
  private String lastRefusal = "";
  private long srtt = -1;
  private long rttvar;
  private long lastResent = Long.MIN_VALUE;

  /**
   * A holder whose drift margin is the same for every grant (for a witness that grants what it is
   * asked).
   *
   * @param renewInterval how often to renew while holding (TTL/3 by default)
   * @param driftMargin subtracted from every granted TTL
   * @param fenceLead how long before the local deadline the self-fence callback fires
   * @param nanos monotonic clock (e.g. {@code System::nanoTime})
   */
  public TicketHolder(
      String cluster,
      String site,
      Duration renewInterval,
      Duration driftMargin,
      Duration fenceLead,
      LongSupplier nanos) {
    this(cluster, site, Duration.ZERO, renewInterval, driftMargin, fenceLead, nanos);
  }

  /**
   * A holder that asks for {@code ticketTtl}. The drift margin bounds the clock-rate error it
   * covers, {@code driftMargin / (2 · ticketTtl)}: a grant longer than asked (an Azure Blob lease
   * lasts at least 15 s) gets a margin as much longer, so the rate covered stays the configured one
   * (a fixed 100 ms covers ±2.5 % over 2 s but ±0.33 % over 15 s).
   *
   * @param ticketTtl the TTL asked for ({@code timings.ticketTtl}); zero: never scale the margin
   */
  public TicketHolder(
      String cluster,
      String site,
      Duration ticketTtl,
      Duration renewInterval,
      Duration driftMargin,
      Duration fenceLead,
      LongSupplier nanos) {
    this.askedTtlNanos = ticketTtl.toNanos();
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.site = Objects.requireNonNull(site, "site");
    this.renewIntervalNanos = renewInterval.toNanos();
    this.retryIntervalNanos = Math.max(1, renewInterval.toNanos() / 3);
    this.timerSlackNanos = retryIntervalNanos / 4;
    this.driftMarginNanos = driftMargin.toNanos();
    this.fenceLeadNanos = fenceLead.toNanos();
    this.nanos = Objects.requireNonNull(nanos, "nanos");
  }

  public void addListener(TicketListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public String cluster() {
    return cluster;
  }

  public String site() {
    return site;
  }

  /** Record that a request (acquire or renew) is being sent now; returns its send time. */
  public synchronized long markSent() {
    long now = nanos.getAsLong();
    boolean unanswered =
        lastSent != Long.MIN_VALUE
            && (lastAnswered == Long.MIN_VALUE || lastAnswered - lastSent < 0);
    if (unanswered && isHeld() && now - lastSent >= overdueNanos() - timerSlackNanos) {
      // an overdue renewal goes out again: this link loses messages now (a renewal resent while
      // the previous one is merely on its way is no sign of loss, and must not keep this going)
      lastResent = now;
    }
    if (failingSince == Long.MIN_VALUE && (state == State.HELD || state == State.FENCE_DUE)) {
      // Provisionally failing until this request is answered; cleared on a grant.
      failingSince = now;
    }
    lastSent = now;
    return now;
  }

  /** Report the witness's answer to the request sent at {@code sentAtNanos}. */
  public synchronized void onResult(long sentAtNanos, TicketResult result) {
    if (lastAnswered == Long.MIN_VALUE || sentAtNanos - lastAnswered > 0) {
      lastAnswered = sentAtNanos;
    }
    roundTrip(nanos.getAsLong() - sentAtNanos);
    if (result.granted()) {
      onGranted(sentAtNanos, result.ticket());
    } else {
      onRefused(sentAtNanos, result);
    }
  }

  /**
   * A round-trip sample, smoothed as TCP does (RFC 6298 §2: SRTT and RTTVAR with gains 1/8 and
   * 1/4), so an unanswered renewal counts as overdue only once it is older than a round trip is
   * expected to take.
   */
  private void roundTrip(long sample) {
    if (sample < 0) {
      return;
    }
    if (srtt < 0) {
      srtt = sample;
      rttvar = sample / 2;
    } else {
      rttvar = (3 * rttvar + Math.abs(srtt - sample)) / 4;
      srtt = (7 * srtt + sample) / 8;
    }
  }

  /**
   * After a renewal had to be resent, this many renew intervals of resending every third of the
   * interval (every tick at the defaults) without waiting for the round trip: while a link loses
   * messages, many independent tries before the self-fence point matter more than the requests they
   * cost (ADR 0007); on a clean link the holder sends one renewal per interval.
   */
  static final int LOSSY_CYCLES = 20;

  /**
   * Timers never fire at the planned nanosecond (a scheduled executor on a busy host runs a tick
   * 0.1–2 ms late, as the soak's trace shows: tries 99.9–101 ms apart on a 100 ms tick), so every
   * "has this long passed since the last send" compares against the interval less this slack (a
   * quarter of the retry interval, 25 ms at the defaults): otherwise a tick that runs a little less
   * late than the previous one misses its turn, and the holder tries every other tick.
   */
  long timerSlackNanos() {
    return timerSlackNanos;
  }

  /** A third of the renew interval: how often an unanswered request goes again while lossy. */
  public long retryNanos() {
    return retryIntervalNanos;
  }

  /** The timer slack every resend comparison allows ({@link #timerSlackNanos()}). */
  public long timerSlack() {
    return timerSlackNanos;
  }

  /** Send time of the latest request (acquire or renewal), or {@link Long#MIN_VALUE}. */
  public synchronized long lastSentNanos() {
    return lastSent;
  }

  /**
   * How long an unanswered renewal waits before it is resent: a third of the renew interval (one
   * tick at the defaults), or the expected round trip plus four deviations (RFC 6298's RTO) if that
   * is longer — on a 150 ms link a renewal still on its way is not a lost one.
   */
  private long overdueNanos() {
    return srtt < 0 ? retryIntervalNanos : Math.max(retryIntervalNanos, srtt + 4 * rttvar);
  }

  /** Report that the request sent at {@code sentAtNanos} failed (timeout, connection refused). */
  public synchronized void onFailure(long sentAtNanos, String why) {
    if ((state == State.HELD || state == State.FENCE_DUE) && failingSince == Long.MIN_VALUE) {
      failingSince = sentAtNanos;
    }
    log.debug("ticket request for {} sent at {} failed: {}", cluster, sentAtNanos, why);
  }

  /** The drift margin for a grant of {@code ttl}: scaled up when longer than asked. */
  private long marginFor(long ttl) {
    if (askedTtlNanos <= 0 || ttl <= askedTtlNanos) {
      return driftMarginNanos;
    }
    return (long) (driftMarginNanos * ((double) ttl / askedTtlNanos));
  }

  private void onGranted(long sentAt, Ticket granted) {
    if (!granted.holder().equals(site) || !granted.cluster().equals(cluster)) {
      return;
    }
    if (releasedAt != Long.MIN_VALUE
        && (sentAt - releasedAt < 0 || (sentAt == releasedAt && sentInReleaseInstant))) {
      // answer to a request sent before we released: the witness has since dropped it. One sent
      // in the release's own instant (a clock that does not move between the two, as the
      // simulation's) came after it unless a request had gone out in that instant before it: then
      // the two cannot be told apart and the grant is dropped, as it may be the earlier one's
      return;
    }
    if (granted.epoch() < epoch) {
      return; // an older epoch than one we already hold or held
    }
    long newDeadline = sentAt + granted.ttl().toNanos() - marginFor(granted.ttl().toNanos());
    boolean fresh = granted.epoch() > epoch || !isHeld();
    if (!fresh && newDeadline - deadline <= 0) {
      return; // a late answer that would not extend anything
    }
    if (granted.epoch() == epoch && (state == State.LOST)) {
      return; // the witness already told us this epoch is gone
    }
    if (granted.epoch() == epoch && state == State.FENCE_DUE) {
      // past the self-fence point the fence guard beside the PBX stops it (issue 17.1): carrying
      // on as if held would leave a site that renews while nobody serves; step down, acquire again
      return;
    }
    boolean wasHeld = isHeld() && granted.epoch() == epoch;
    epoch = granted.epoch();
    ticket = granted;
    deadline = newDeadline;
    basisSent = sentAt;
    failingSince = Long.MIN_VALUE;
    if (nanos.getAsLong() - deadline >= 0) {
      state = State.EXPIRED; // answered too late to be of any use
      return;
    }
    state = State.HELD;
    if (!wasHeld) {
      fire(l -> l.acquired(granted));
    }
  }

  private void onRefused(long sentAt, TicketResult result) {
    if (lastRefusedSent == Long.MIN_VALUE || sentAt - lastRefusedSent > 0) {
      lastRefusedSent = sentAt;
      lastRefusal = result.reason();
    }
    if (!isHeld() && state != State.EXPIRED) {
      return;
    }
    if (basisSent != Long.MIN_VALUE && sentAt - basisSent <= 0) {
      return; // refusal of a request older than our latest grant
    }
    Ticket current = result.ticket();
    boolean stillOurs = current != null && current.heldBy(site, epoch);
    if (stillOurs) {
      return; // refused for another reason (e.g. unhealthy) but the witness still records us
    }
    long lostEpoch = epoch;
    state = State.LOST;
    failingSince = Long.MIN_VALUE;
    fire(l -> l.lost(lostEpoch, result.reason()));
  }

  /** We gave the ticket back (or are about to): stop treating it as held. */
  public synchronized void released() {
    releasedAt = nanos.getAsLong();
    sentInReleaseInstant = lastSent == releasedAt;
    if (isHeld() || state == State.EXPIRED) {
      long e = epoch;
      state = State.RELEASED;
      failingSince = Long.MIN_VALUE;
      fire(l -> l.lost(e, "released"));
    }
  }

  /** Advance time-driven state: fire the self-fence callback, mark expiry. Cheap; idempotent. */
  public synchronized void poll() {
    long now = nanos.getAsLong();
    if (state == State.HELD && now - (deadline - fenceLeadNanos) >= 0) {
      state = State.FENCE_DUE;
      long e = epoch;
      String why = failingWords(now);
      fire(l -> l.selfFence(e, why));
    }
    if (state == State.FENCE_DUE && now - deadline >= 0) {
      state = State.EXPIRED;
    }
  }

  /**
   * Whether a new change may start under {@code epoch}: we hold it and its self-fence is not due (a
   * ticket in {@link State#FENCE_DUE} still runs to its deadline, but the site is stepping down, so
   * nothing new starts). Ask before every change.
   */
  public synchronized boolean holds(long epoch) {
    poll();
    return state == State.HELD && this.epoch == epoch && nanos.getAsLong() - deadline < 0;
  }

  /**
   * How long changes may still start under {@code epoch}: the time until the self-fence point
   * (local deadline − fence lead) while we hold it, else zero. Bound every mutating provider call
   * by it, so no change lands after this site had to step down.
   */
  public synchronized Duration timeLeft(long epoch) {
    poll();
    if (state != State.HELD || this.epoch != epoch) {
      return Duration.ZERO;
    }
    long left = deadline - fenceLeadNanos - nanos.getAsLong();
    return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
  }

  /**
   * Whether we hold a ticket whose local deadline has not passed, without advancing any state or
   * firing callbacks (for observers such as a simulation's safety checker).
   */
  public synchronized boolean validNow() {
    return isHeld() && nanos.getAsLong() - deadline < 0;
  }

  /** Send time of the latest refused request (acquire or renew), or {@link Long#MIN_VALUE}. */
  public synchronized long lastRefusedSentNanos() {
    return lastRefusedSent;
  }

  /** The witness's words for the latest refusal ("" if none). */
  public synchronized String lastRefusal() {
    return lastRefusal;
  }

  /** The epoch we validly hold now, if any. */
  public synchronized OptionalLong validEpoch() {
    poll();
    return isHeld() && nanos.getAsLong() - deadline < 0
        ? OptionalLong.of(epoch)
        : OptionalLong.empty();
  }

  /** The fencing token for the epoch we validly hold now. */
  public synchronized Optional<FencingToken> token() {
    OptionalLong e = validEpoch();
    return e.isPresent()
        ? Optional.of(new FencingToken(cluster, site, e.getAsLong()))
        : Optional.empty();
  }

  /**
   * Whether a renewal should be sent now: while we hold (or just lost by expiry) the ticket, every
   * renew interval; while the last one is unanswered, once it is overdue (older than the expected
   * round trip, at least a third of the interval), and every third of the interval once a whole
   * renewal cycle went unanswered.
   */
  public synchronized boolean renewalDue() {
    if (!(isHeld() || state == State.EXPIRED)) {
      return false;
    }
    long now = nanos.getAsLong();
    if (lastSent == Long.MIN_VALUE) {
      return true;
    }
    // Sentinels are compared explicitly: MIN_VALUE in a subtraction would overflow.
    if (lastAnswered != Long.MIN_VALUE
        && srtt >= retryIntervalNanos
        && now - lastAnswered < renewIntervalNanos) {
      // answered for a request sent within the interval: on a link whose round trip is longer
      // than the retry interval (150 ms vs 100 ms) a resend is still on its way at the next tick,
      // and must not make that tick's renewal due as well (one try per tick for ever)
      return false;
    }
    boolean unanswered = lastAnswered == Long.MIN_VALUE || lastAnswered - lastSent < 0;
    if (!unanswered) {
      return now - lastSent >= renewIntervalNanos;
    }
    // An unanswered renewal is resent once overdue (17.3: on a 150 ms link the holder would
    // otherwise send every renewal twice); once a whole renewal cycle went unanswered, or while
    // the link has been losing messages lately, on every third of the interval (every tick at the
    // defaults), so a holder that can still reach the witness through heavy loss gets many
    // independent tries before its self-fence point (ADR 0007)
    long overdue = overdueNanos();
    boolean cycleMissed = cycleMissed(now, overdue);
    boolean lossy =
        lastResent != Long.MIN_VALUE && now - lastResent < LOSSY_CYCLES * renewIntervalNanos;
    // waiting out the round trip only while the ticket has room for it and a resend after it
    // (a 1 s ticket on a 150 ms link has none: it resends on every third of the interval)
    boolean roomy = roomy(now, overdue);
    boolean wait = roomy && !cycleMissed && !lossy;
    return now - lastSent >= (wait ? overdue : retryIntervalNanos) - timerSlackNanos;
  }

  /**
   * How many copies the renewal about to be sent should go as (issue 17.1, "small redundant
   * messages"): on a link whose round trip is longer than the retry interval, two once a whole
   * renewal cycle went unanswered (the renewal and its first resend lost: the link loses now, and
   * the self-fence point is at most about a second away) or the ticket has no room left for
   * waiting, else one. Each copy is its own request (its own datagram and nonce), all sent at the
   * same instant and reported with the same send time ({@link #markSent()} once, then {@link
   * #onResult}/{@link #onFailure} per copy): the first grant moves the deadline; the twin's answer
   * extends nothing and is ignored, its failure only repeats what the other's said. On a link that
   * loses a fraction {@code q} of round trips a try then fails with {@code q²} instead of {@code
   * q}: at 20 % loss each way (q = 0.36) the ~11 tries before the self-fence point all fail about
   * once in 10⁵ hours instead of three times an hour (the session-6 soak), for more requests on a
   * lossy link only (docs/witness-protocol.md, "The renewal schedule"). VRRP and booth buy the same
   * margin with several small messages per dead interval.
   */
  public synchronized int renewalCopies() {
    if (!(isHeld() || state == State.EXPIRED) || lastSent == Long.MIN_VALUE) {
      return 1;
    }
    long now = nanos.getAsLong();
    boolean unanswered = lastAnswered == Long.MIN_VALUE || lastAnswered - lastSent < 0;
    long overdue = overdueNanos();
    // only on a round trip longer than the retry interval (150 ms against 100 ms): there a try's
    // fate is unknown for more than a tick; on a shorter one (the fast profile's LAN) a lost try
    // is known lost by the next tick and resent on it, and the simulation's fast-profile RTO is
    // pinned at the edge of its bound (FastProfileTest), which twins there perturb
    return unanswered
            && srtt >= retryIntervalNanos
            && (cycleMissed(now, overdue) || !roomy(now, overdue))
        ? 2
        : 1;
  }

  /** No answer to anything sent in the last renewal interval plus a round trip. */
  private boolean cycleMissed(long now, long overdue) {
    return lastAnswered == Long.MIN_VALUE
        || now - lastAnswered >= renewIntervalNanos + overdue - timerSlackNanos;
  }

  /** The ticket has room for waiting out a round trip and a resend after it. */
  private boolean roomy(long now, long overdue) {
    return deadline - fenceLeadNanos - now > renewIntervalNanos + 2 * overdue;
  }

  /** When the self-fence callback is due (monotonic nanos), for a timer. */
  public synchronized long fenceAtNanos() {
    return deadline - fenceLeadNanos;
  }

  public synchronized TicketView view() {
    poll();
    return new TicketView(state, epoch, deadline, basisSent, failingSince, nanos.getAsLong());
  }

  /** The current ticket as last granted, if we hold one. */
  public synchronized Optional<Ticket> ticket() {
    return isHeld() ? Optional.ofNullable(ticket) : Optional.empty();
  }

  /**
   * Renew synchronously through a blocking witness. The witness call must have its own timeout.
   *
   * @return the witness's answer, or empty if the call failed (the failure is recorded)
   */
  public Optional<TicketResult> renewNow(Witness witness, boolean healthy) {
    long e;
    Duration ttl;
    synchronized (this) {
      if (ticket == null) {
        return Optional.empty();
      }
      e = epoch;
      ttl = ticket.ttl();
    }
    long sent = markSent();
    try {
      TicketResult r = witness.renew(TicketRequest.renew(cluster, site, healthy, ttl, e));
      onResult(sent, r);
      return Optional.of(r);
    } catch (TandemException ex) {
      onFailure(sent, ex.getMessage());
      return Optional.empty();
    }
  }

  /** {@link #renewNow} if {@link #renewalDue()}; call it every tick from the agent's loop. */
  public Optional<TicketResult> renewIfDue(Witness witness, boolean healthy) {
    return renewalDue() ? renewNow(witness, healthy) : Optional.empty();
  }

  /** Words for the decision log, e.g. "ticket renewal failed for 4.1 s". */
  public synchronized String failingWords(long now) {
    if (failingSince == Long.MIN_VALUE) {
      return "ticket epoch " + epoch + " not renewed in time";
    }
    return String.format(
        Locale.ROOT, "ticket renewal failed for %.1f s", (now - failingSince) / 1e9);
  }

  private boolean isHeld() {
    return state == State.HELD || state == State.FENCE_DUE;
  }

  private void fire(Consumer<TicketListener> event) {
    for (TicketListener l : listeners) {
      try {
        event.accept(l);
      } catch (RuntimeException e) {
        log.error("ticket listener {} failed", l, e);
      }
    }
  }
}
