package io.tandem.core.agent;

import io.tandem.core.health.SiteHealth;
import io.tandem.core.witness.TicketView;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one tick reads, frozen. Built by the driver from the health aggregator, the ticket
 * holder, the peer board and the operator's command queue.
 *
 * @param nowNanos the agent's monotonic clock
 * @param wallTime the agent's wall clock (only for the decision record)
 * @param health own health
 * @param ticket the ticket holder's view
 * @param witnessReachable whether the witness answered any request within {@link
 *     AgentSettings#witnessReachableWindow} (the poll interval plus the retry timeout, at least 500
 *     ms)
 * @param peers latest report per peer site (receipt time on our clock)
 * @param promises latest promise (or refusal) per peer site
 * @param commands operator commands received since the last tick, in order
 * @param fence where the fencing of the local PBX stands (a fence that timed out is unknown)
 * @param activation how the latest activation of this site went
 */
public record TickSnapshot(
    long nowNanos,
    Instant wallTime,
    SiteHealth health,
    TicketView ticket,
    boolean witnessReachable,
    Map<String, PeerReport> peers,
    Map<String, PeerPromise> promises,
    List<OperatorCommand> commands,
    FenceStatus fence,
    ActivationStatus activation) {

  public TickSnapshot {
    Objects.requireNonNull(wallTime, "wallTime");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(fence, "fence");
    Objects.requireNonNull(activation, "activation");
    Objects.requireNonNull(ticket, "ticket");
    peers = Map.copyOf(peers);
    promises = Map.copyOf(promises);
    commands = List.copyOf(commands);
  }
}
