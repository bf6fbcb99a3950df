package io.tandem.core.runbook;

import java.util.Objects;

/**
 * An operator's answer at a gate.
 *
 * @param approved true to continue, false to abort the run
 * @param by who decided (user name), for the audit trail
 * @param note free text, may be empty
 */
public record GateDecision(boolean approved, String by, String note) {

  public GateDecision {
    Objects.requireNonNull(by, "by");
    Objects.requireNonNull(note, "note");
  }
}
