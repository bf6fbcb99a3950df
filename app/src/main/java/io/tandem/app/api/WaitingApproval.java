package io.tandem.app.api;

/**
 * A gate that waits for an operator right now ({@code policies.approvalGates}).
 *
 * @param runId the run (or, for a gated switchover, failover or failback request, the request)
 *     waiting; {@code tandem approve <runId>} / {@code tandem deny <runId>} answer it
 * @param gate the gate, e.g. {@code before-switchover}
 * @param prompt what the operator is asked
 */
public record WaitingApproval(String runId, String gate, String prompt) {}
