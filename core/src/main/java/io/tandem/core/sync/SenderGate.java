package io.tandem.core.sync;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The sending side's gate, checked before a run and again before each phase of it: the job runs
 * only from the current ticket holder, only while this site and the receiving site are healthy, and
 * only while the peer link is authenticated (a signed report from the receiver arrived within
 * {@code peerReportTimeout}). Pure: the facts come from the agent as one snapshot.
 */
public final class SenderGate {

  private SenderGate() {}

  /**
   * What the sender knows when it decides.
   *
   * @param site this site
   * @param heldEpoch the epoch of a valid ticket this site holds while ACTIVE, if any
   * @param state this site's agent state, in words
   * @param healthy this site's health verdict (score at or above the minimum, no critical sensor
   *     down)
   * @param healthSummary the health verdict in words
   * @param peer the receiving site's last report, if any arrived
   * @param peerReportTimeout how old a report may be and still count
   */
  public record Facts(
      String site,
      OptionalLong heldEpoch,
      String state,
      boolean healthy,
      String healthSummary,
      Optional<PeerFacts> peer,
      Duration peerReportTimeout) {

    public Facts {
      Objects.requireNonNull(site, "site");
      Objects.requireNonNull(heldEpoch, "heldEpoch");
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(healthSummary, "healthSummary");
      Objects.requireNonNull(peer, "peer");
      Objects.requireNonNull(peerReportTimeout, "peerReportTimeout");
    }
  }

  /** Whether {@code job} may send to {@code peer} now. */
  public static GateVerdict check(String job, String peer, Facts f) {
    String head = "sync " + job + ": skipped, ";
    if (f.heldEpoch().isEmpty()) {
      return GateVerdict.closed(
          SyncReason.NOT_HOLDER,
          head + "sender " + f.site() + " is not the ticket holder (" + f.state() + ")",
          0);
    }
    long epoch = f.heldEpoch().getAsLong();
    if (!f.healthy()) {
      return GateVerdict.closed(
          SyncReason.SENDER_UNHEALTHY,
          head + "sender " + f.site() + " is unhealthy (" + f.healthSummary() + ")",
          epoch);
    }
    if (f.peer().isEmpty()) {
      return GateVerdict.closed(
          SyncReason.LINK_UNAUTHENTICATED,
          head + "no signed report from " + peer + " yet (peer link not authenticated)",
          epoch);
    }
    PeerFacts p = f.peer().get();
    if (!p.fresh(f.peerReportTimeout())) {
      return GateVerdict.closed(
          SyncReason.LINK_UNAUTHENTICATED,
          head
              + "the last signed report from "
              + peer
              + " is "
              + p.age()
              + " old (peer link not authenticated now)",
          epoch);
    }
    if (!p.healthy()) {
      return GateVerdict.closed(
          SyncReason.PEER_UNHEALTHY,
          head + "receiver " + peer + " reports itself unhealthy (" + p.state() + ")",
          epoch);
    }
    return GateVerdict.open(
        "sync "
            + job
            + ": "
            + f.site()
            + " holds epoch "
            + epoch
            + ", both sites healthy, peer link authenticated",
        epoch);
  }
}
