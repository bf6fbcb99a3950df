package io.tandem.app.api;

import java.time.Instant;

/**
 * An event streamed to the console over server-sent events.
 *
 * @param type {@code decision}, {@code state}, {@code run}, {@code step}
 * @param at when it happened
 * @param data the payload (a view record)
 */
public record RuntimeEvent(String type, Instant at, Object data) {}
