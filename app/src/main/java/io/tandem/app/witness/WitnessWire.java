package io.tandem.app.witness;

import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketResult;
import java.time.Duration;
import java.time.Instant;

/**
 * JSON bodies of the built-in witness's HTTP protocol ({@code /witness/v1/clusters/{cluster}/...}).
 * Kept separate from the core records so the wire format is explicit and versioned.
 */
public final class WitnessWire {

  private WitnessWire() {}

  /**
   * Body of acquire and renew. {@code epoch}: the epoch held (renew) or the newest epoch the site
   * knows (acquire; the witness lifts its counter past it). {@code acknowledgement}: with {@code
   * force}, the operator's sentence ({@link
   * io.tandem.core.witness.TicketRequest#FORCE_ACKNOWLEDGEMENT}); a forced request without it (an
   * older client) is refused.
   */
  public record Request(
      String site,
      boolean healthy,
      long ttlMillis,
      long epoch,
      boolean force,
      String acknowledgement) {}

  /**
   * Body of a probe request: SIP OPTIONS from the witness to {@code target} ({@code host:port}).
   */
  public record ProbeRequest(String site, String target, String transport, long timeoutMillis) {}

  /** A probe's reading. */
  public record ProbeAnswer(String status, double value, String unit, String detail) {}

  /** Body of release. */
  public record Release(String site, long epoch) {}

  /** An error answer: an RFC 9457 problem detail ({@code application/problem+json}). */
  public record Problem(String type, String title, int status, String detail) {}

  /** A ticket on the wire. */
  public record TicketBody(
      String cluster, String holder, long epoch, Instant expiry, long ttlMillis) {

    static TicketBody of(Ticket t) {
      return t == null
          ? null
          : new TicketBody(t.cluster(), t.holder(), t.epoch(), t.expiry(), t.ttl().toMillis());
    }

    Ticket toTicket() {
      return new Ticket(cluster, holder, epoch, expiry, Duration.ofMillis(ttlMillis));
    }
  }

  /** Answer of acquire and renew. */
  public record Result(boolean granted, TicketBody ticket, String reason) {

    static Result of(TicketResult r) {
      return new Result(r.granted(), TicketBody.of(r.ticket()), r.reason());
    }

    TicketResult toResult() {
      return new TicketResult(granted, ticket == null ? null : ticket.toTicket(), reason);
    }
  }
}
