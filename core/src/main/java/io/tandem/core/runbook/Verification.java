package io.tandem.core.runbook;

import java.util.Objects;

/**
 * Result of one verification poll.
 *
 * @param ok the desired state holds
 * @param detail what was seen, in words (shown in reports when verification fails)
 */
public record Verification(boolean ok, String detail) {

  public Verification {
    Objects.requireNonNull(detail, "detail");
  }

  public static Verification ok(String detail) {
    return new Verification(true, detail);
  }

  public static Verification notYet(String detail) {
    return new Verification(false, detail);
  }
}
