package io.tandem.core.runbook;

import io.tandem.core.witness.FencingToken;
import java.util.Objects;

/**
 * What a step receives on every call.
 *
 * @param runId the run this call belongs to ({@code plan} for a dry run)
 * @param kind what sort of run
 * @param drill true for a drill: notifications must not page anyone
 * @param token the fencing token every external mutation must carry
 */
public record StepContext(String runId, RunKind kind, boolean drill, FencingToken token) {

  public StepContext {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(token, "token");
  }
}
