package io.tandem.core.witness;

import java.time.Duration;
import java.util.Objects;

/**
 * A site's request to the witness.
 *
 * @param cluster cluster name
 * @param site requesting site
 * @param healthy whether the site reports itself healthy (the witness grants only to healthy sites)
 * @param ttl the lease length asked for
 * @param epoch the epoch the site knows: for a renewal or release the epoch it holds; for an
 *     acquire the newest epoch it has seen for the cluster (0 if none). Every witness lifts its
 *     counter past any epoch presented, so an epoch is never issued twice even if the witness lost
 *     or restored its state.
 * @param force a forced acquire (the operator acknowledged the danger, as booth's {@code grant -F})
 * @param acknowledgement the operator's sentence, exactly {@link #FORCE_ACKNOWLEDGEMENT}, required
 *     with {@code force}; empty otherwise. A forced request without it is refused, so a client that
 *     predates the field fails safe.
 */
public record TicketRequest(
    String cluster,
    String site,
    boolean healthy,
    Duration ttl,
    long epoch,
    boolean force,
    String acknowledgement) {

  /**
   * The sentence an operator types to force an acquire; the witness refuses {@code force} without
   * it. The decision loop's {@code OperatorCommand.FORCE_ACKNOWLEDGEMENT} is the same sentence (a
   * test keeps them equal).
   */
  public static final String FORCE_ACKNOWLEDGEMENT =
      "I understand another site may still be serving";

  /** Epochs above this are refused as malformed: the counter can never run out. */
  public static final long MAX_EPOCH = 1L << 62;

  public TicketRequest {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(site, "site");
    Objects.requireNonNull(ttl, "ttl");
    acknowledgement = acknowledgement == null ? "" : acknowledgement;
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, was " + ttl);
    }
    if (epoch < 0 || epoch > MAX_EPOCH) {
      throw new IllegalArgumentException("epoch must be in [0, 2^62], was " + epoch);
    }
  }

  /** A request without an operator's acknowledgement (never accepted as a forced acquire). */
  public TicketRequest(
      String cluster, String site, boolean healthy, Duration ttl, long epoch, boolean force) {
    this(cluster, site, healthy, ttl, epoch, force, "");
  }

  /** An acquire by a site that has seen no epoch. */
  public static TicketRequest acquire(String cluster, String site, boolean healthy, Duration ttl) {
    return acquire(cluster, site, healthy, ttl, 0);
  }

  /** An acquire presenting the newest epoch the site has seen ({@code knownEpoch}, 0 if none). */
  public static TicketRequest acquire(
      String cluster, String site, boolean healthy, Duration ttl, long knownEpoch) {
    return new TicketRequest(cluster, site, healthy, ttl, knownEpoch, false, "");
  }

  /**
   * A forced acquire carrying the operator's {@code acknowledgement}; the witness grants it only if
   * that is exactly {@link #FORCE_ACKNOWLEDGEMENT}.
   */
  public static TicketRequest forced(
      String cluster,
      String site,
      boolean healthy,
      Duration ttl,
      long knownEpoch,
      String acknowledgement) {
    return new TicketRequest(cluster, site, healthy, ttl, knownEpoch, true, acknowledgement);
  }

  public static TicketRequest renew(
      String cluster, String site, boolean healthy, Duration ttl, long epoch) {
    return new TicketRequest(cluster, site, healthy, ttl, epoch, false, "");
  }

  /** Whether this is a forced acquire that carries the operator's exact acknowledgement. */
  public boolean acknowledgedForce() {
    return force && FORCE_ACKNOWLEDGEMENT.equals(acknowledgement);
  }

  /**
   * The refusal every witness gives a forced acquire without the acknowledgement, or {@code null}
   * if this request is not such a one.
   */
  public String unacknowledgedForceRefusal() {
    if (!force || acknowledgedForce()) {
      return null;
    }
    return "refused: a forced acquire needs the operator's acknowledgement \""
        + FORCE_ACKNOWLEDGEMENT
        + "\" (this client sent "
        + (acknowledgement.isEmpty() ? "none" : "a different sentence")
        + ")";
  }

  /**
   * The refusal every witness gives a forced acquire that preempted {@code holder} and waits for
   * its ticket to lapse (docs/witness-protocol.md, rule 2), {@code wait} being the witness's best
   * estimate of the time left. The agent shows these words while it waits in ACQUIRING.
   */
  public static String forcedWaitRefusal(String holder, java.time.Duration wait) {
    return String.format(
        java.util.Locale.ROOT,
        "forced acquire: waiting %.1f s for %s's ticket to lapse (preempted: its renewals are"
            + " refused; granted at once if it releases)",
        Math.max(0, wait.toMillis()) / 1000.0,
        holder);
  }
}
