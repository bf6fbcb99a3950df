package io.tandem.core.witness;

import java.util.Objects;
import java.util.Optional;

/**
 * The witness's answer to an acquire or renew.
 *
 * @param granted whether the requester now holds the ticket
 * @param ticket the ticket as it stands after the call (the requester's on a grant, the current
 *     holder's on a refusal), or {@code null} if nobody holds one
 * @param reason why, in words ("granted epoch 12", "held by site-a until ...", "not healthy")
 */
public record TicketResult(boolean granted, Ticket ticket, String reason) {

  public TicketResult {
    Objects.requireNonNull(reason, "reason");
    if (granted && ticket == null) {
      throw new IllegalArgumentException("a grant must carry its ticket");
    }
  }

  public static TicketResult granted(Ticket ticket, String reason) {
    return new TicketResult(true, ticket, reason);
  }

  public static TicketResult refused(Ticket current, String reason) {
    return new TicketResult(false, current, reason);
  }

  public Optional<Ticket> current() {
    return Optional.ofNullable(ticket);
  }
}
