package io.tandem.core.runbook;

import java.util.Objects;

/**
 * One outside check.
 *
 * @param ok the expectation holds
 * @param observed what was seen, e.g. {@code 200 OK from site b (Server: pbx-b)}
 */
public record ProbeResult(boolean ok, String observed) {

  public ProbeResult {
    Objects.requireNonNull(observed, "observed");
  }
}
