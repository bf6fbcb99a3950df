package io.tandem.core.sync;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The receiving side's gate: accepts data only from the site the witness names as holder now, under
 * that ticket's epoch, never from an epoch older than the newest this site has seen, and only while
 * both sites are healthy as this site knows them. Every input is the receiver's own knowledge — its
 * own observation of the witness, its own epoch floor, the sender's last signed report — never what
 * the sender claims about itself. Pure.
 */
public final class ReceiverGate {

  private ReceiverGate() {}

  /**
   * What the witness said when this site asked, or why it could not say.
   *
   * @param holder the site holding the ticket, if any
   * @param epoch its epoch (0 if none)
   * @param failure why the witness could not be asked, if it could not
   */
  public record Observed(Optional<String> holder, long epoch, Optional<String> failure) {
    public Observed {
      Objects.requireNonNull(holder, "holder");
      Objects.requireNonNull(failure, "failure");
    }

    public static Observed holder(String site, long epoch) {
      return new Observed(Optional.of(site), epoch, Optional.empty());
    }

    public static Observed nobody() {
      return new Observed(Optional.empty(), 0, Optional.empty());
    }

    public static Observed unreachable(String why) {
      return new Observed(Optional.empty(), 0, Optional.of(why));
    }
  }

  /**
   * What the receiver knows when a request arrives.
   *
   * @param site this site
   * @param holdsTicket whether this site holds a valid ticket itself
   * @param healthy this site's health verdict
   * @param healthSummary that verdict in words
   * @param observed the witness's answer to this site, just now
   * @param epochFloor the newest epoch this site has seen (held, observed or accepted)
   * @param sender the sender's last signed report, if any
   * @param peerReportTimeout how old a report may be and still count
   */
  public record Facts(
      String site,
      boolean holdsTicket,
      boolean healthy,
      String healthSummary,
      Observed observed,
      long epochFloor,
      Optional<PeerFacts> sender,
      Duration peerReportTimeout) {

    public Facts {
      Objects.requireNonNull(site, "site");
      Objects.requireNonNull(healthSummary, "healthSummary");
      Objects.requireNonNull(observed, "observed");
      Objects.requireNonNull(sender, "sender");
      Objects.requireNonNull(peerReportTimeout, "peerReportTimeout");
    }
  }

  /** Whether {@code sender}, speaking for {@code epoch}, may send {@code job} here now. */
  public static GateVerdict check(String job, String sender, long epoch, Facts f) {
    String head = "sync " + job + ": refused, ";
    if (sender.equals(f.site())) {
      return GateVerdict.closed(
          SyncReason.SENDER_NOT_HOLDER, head + "a request from this site to itself", epoch);
    }
    if (epoch < f.epochFloor()) {
      return GateVerdict.closed(
          SyncReason.OLDER_EPOCH,
          head
              + "sender "
              + sender
              + " speaks for epoch "
              + epoch
              + ", older than epoch "
              + f.epochFloor()
              + " already seen here",
          epoch);
    }
    if (f.holdsTicket()) {
      return GateVerdict.closed(
          SyncReason.RECEIVER_IS_HOLDER,
          head + "sender " + sender + " is not the ticket holder (" + f.site() + " holds it)",
          epoch);
    }
    if (f.observed().failure().isPresent()) {
      return GateVerdict.closed(
          SyncReason.HOLDER_UNCONFIRMED,
          head
              + "cannot confirm that "
              + sender
              + " holds the ticket: "
              + f.observed().failure().get(),
          epoch);
    }
    if (!f.observed().holder().map(sender::equals).orElse(false)) {
      return GateVerdict.closed(
          SyncReason.SENDER_NOT_HOLDER,
          head
              + "sender "
              + sender
              + " is not the ticket holder ("
              + f.observed()
                  .holder()
                  .map(h -> "the witness names " + h + " with epoch " + f.observed().epoch())
                  .orElse("the witness names no holder")
              + ")",
          epoch);
    }
    if (f.observed().epoch() != epoch) {
      return GateVerdict.closed(
          epoch < f.observed().epoch() ? SyncReason.OLDER_EPOCH : SyncReason.SENDER_NOT_HOLDER,
          head
              + "sender "
              + sender
              + " speaks for epoch "
              + epoch
              + " but the witness records epoch "
              + f.observed().epoch(),
          epoch);
    }
    if (f.sender().isEmpty() || !f.sender().get().fresh(f.peerReportTimeout())) {
      return GateVerdict.closed(
          SyncReason.LINK_UNAUTHENTICATED,
          head
              + "no recent signed report from "
              + sender
              + f.sender().map(p -> " (the last is " + p.age() + " old)").orElse("")
              + ": peer link not authenticated now",
          epoch);
    }
    if (!f.sender().get().healthy()) {
      return GateVerdict.closed(
          SyncReason.SENDER_REPORTED_UNHEALTHY,
          head + "sender " + sender + " reports itself unhealthy",
          epoch);
    }
    if (!f.healthy()) {
      return GateVerdict.closed(
          SyncReason.RECEIVER_UNHEALTHY,
          head + "receiver " + f.site() + " is unhealthy (" + f.healthSummary() + ")",
          epoch);
    }
    return GateVerdict.open(
        "sync " + job + ": accepted from " + sender + ", holder of epoch " + epoch, epoch);
  }
}
