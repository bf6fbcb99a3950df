package io.tandem.core.witness;

/**
 * What a renewal or a ticket read answers, written by the witness into a holder the transport
 * reuses: the datagram listener answers about 50,000 requests a second at 10,000 clusters, and the
 * records of the general path ({@link TicketRequest}, {@link Ticket}, {@link TicketResult}, their
 * {@code Instant}s and {@code Optional}s) were most of its garbage. Mutable, for one thread at a
 * time; valid until its next use. {@link #holder()} is null when nobody holds the ticket.
 */
public final class WitnessAnswer {
  boolean granted;
  String holder;
  long epoch;
  long expiryMillis;
  long ttlMillis;
  String reason;

  /** Whether the renewal was granted (a read is never granted). */
  public boolean granted() {
    return granted;
  }

  /** The ticket's holder, or null when nobody holds it. */
  public String holder() {
    return holder;
  }

  /** The holder's epoch (with a holder). */
  public long epoch() {
    return epoch;
  }

  /** The holder's expiry on the witness's wall clock, epoch ms (with a holder). */
  public long expiryMillis() {
    return expiryMillis;
  }

  /** The TTL of the holder's last grant or renewal, ms (with a holder). */
  public long ttlMillis() {
    return ttlMillis;
  }

  /** The witness's sentence, as {@link TicketResult#reason()}. */
  public String reason() {
    return reason;
  }

  /** An answer holding what {@code r} says (a transport's encoder is tested with it). */
  public static WitnessAnswer of(TicketResult r) {
    WitnessAnswer a = new WitnessAnswer();
    a.set(r);
    return a;
  }

  void set(TicketResult r) {
    granted = r.granted();
    Ticket t = r.ticket();
    holder = t == null ? null : t.holder();
    epoch = t == null ? 0 : t.epoch();
    expiryMillis = t == null ? 0 : t.expiry().toEpochMilli();
    ttlMillis = t == null ? 0 : t.ttl().toMillis();
    reason = r.reason();
  }
}
