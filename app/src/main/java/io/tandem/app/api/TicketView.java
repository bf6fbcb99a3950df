package io.tandem.app.api;

import java.time.Instant;

/** The witness's ticket as the API shows it. */
public record TicketView(String holder, long epoch, Instant expiry) {}
