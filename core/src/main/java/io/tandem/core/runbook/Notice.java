package io.tandem.core.runbook;

import java.util.Objects;

/**
 * A message to people.
 *
 * @param severity how loudly to deliver it; drills never use {@link Severity#ALARM}
 * @param subject one line
 * @param body a few lines, no secrets
 * @param drill true when it comes from a drill (channels label it and do not page on-call)
 */
public record Notice(Severity severity, String subject, String body, boolean drill) {

  /** How loudly to deliver a notice. */
  public enum Severity {
    INFO,
    WARNING,
    /** Pages on-call. */
    ALARM
  }

  public Notice {
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(body, "body");
    if (drill && severity == Severity.ALARM) {
      throw new IllegalArgumentException("a drill notice must not be an ALARM");
    }
  }
}
