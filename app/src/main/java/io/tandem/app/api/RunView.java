package io.tandem.app.api;

import java.time.Instant;

/**
 * A runbook run (failover, switchover, drill).
 *
 * @param id run id
 * @param kind FAILOVER, SWITCHOVER, DRILL
 * @param state RUNNING, WAITING_FOR_APPROVAL, SUCCEEDED, FAILED, ABORTED
 * @param from site that lost the service
 * @param to site that took it
 * @param startedAt start
 * @param endedAt end, or {@code null} while running
 * @param rtoMillis recovery time (detection to verified), or {@code null}
 */
public record RunView(
    String id,
    String kind,
    String state,
    String from,
    String to,
    Instant startedAt,
    Instant endedAt,
    Long rtoMillis) {}
