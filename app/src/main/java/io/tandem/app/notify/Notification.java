package io.tandem.app.notify;

import java.time.Instant;
import java.util.Map;

/**
 * A state change or run result to tell people about.
 *
 * @param event e.g. {@code state-changed}, {@code run-succeeded}, {@code run-failed}
 * @param severity {@code info}, {@code warning}, {@code critical}
 * @param title one line
 * @param text the body for people
 * @param at when it happened
 * @param drill true for drills: delivered as information, never as an alarm to on-call
 * @param fields structured details (site, epoch, run id, RTO...)
 */
public record Notification(
    String event,
    String severity,
    String title,
    String text,
    Instant at,
    boolean drill,
    Map<String, Object> fields) {

  public Notification {
    fields = Map.copyOf(fields);
  }
}
