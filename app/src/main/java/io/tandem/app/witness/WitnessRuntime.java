package io.tandem.app.witness;

import io.tandem.app.api.ClusterRuntime;
import io.tandem.app.api.ClusterStatus;
import io.tandem.app.api.CommandResult;
import io.tandem.app.api.DecisionView;
import io.tandem.app.api.RunView;
import io.tandem.app.api.SiteView;
import io.tandem.app.api.TicketView;
import io.tandem.core.witness.BuiltInWitness;
import java.util.List;
import java.util.Optional;

/**
 * The API's view of a node running only the witness: the ticket of one cluster and the sites that
 * may ask for it. Operator commands are refused here; they go to the agents.
 */
public final class WitnessRuntime implements ClusterRuntime {

  private static final String NOT_HERE = "this node is the witness; send commands to an agent";

  private final BuiltInWitness witness;
  private final String cluster;
  private final List<String> sites;

  public WitnessRuntime(BuiltInWitness witness, String cluster, List<String> sites) {
    this.witness = witness;
    this.cluster = cluster;
    this.sites = List.copyOf(sites);
  }

  @Override
  public ClusterStatus status() {
    var t = witness.observe(cluster);
    TicketView tv = t.map(x -> new TicketView(x.holder(), x.epoch(), x.expiry())).orElse(null);
    List<SiteView> views =
        sites.stream()
            .map(
                s ->
                    new SiteView(
                        s,
                        "site",
                        t.isPresent() && t.get().holder().equals(s) ? "HOLDS_TICKET" : "-",
                        true,
                        "seen by the witness only",
                        List.of(),
                        true))
            .toList();
    return new ClusterStatus(cluster, tv == null ? null : tv.holder(), tv, views, false);
  }

  @Override
  public List<DecisionView> decisions(int limit) {
    return List.of();
  }

  @Override
  public List<RunView> runs() {
    return List.of();
  }

  @Override
  public Optional<Object> report(String runId, boolean json) {
    return Optional.empty();
  }

  @Override
  public CommandResult switchover(String targetSite) {
    return CommandResult.refused(NOT_HERE);
  }

  @Override
  public CommandResult failover(String targetSite) {
    return CommandResult.refused(NOT_HERE);
  }

  @Override
  public Object plan(String targetSite, boolean switchover, boolean json) {
    return NOT_HERE;
  }

  @Override
  public CommandResult maintenance(String site, boolean on) {
    return CommandResult.refused(NOT_HERE);
  }

  @Override
  public CommandResult approveGate(String runId) {
    return CommandResult.refused(NOT_HERE);
  }

  @Override
  public CommandResult abortRun(String runId) {
    return CommandResult.refused(NOT_HERE);
  }

  @Override
  public CommandResult drill() {
    return CommandResult.refused(NOT_HERE);
  }

  @Override
  public CommandResult forceAcquire(String site, String acknowledgement) {
    return CommandResult.refused(NOT_HERE);
  }

  @Override
  public io.tandem.core.event.EventPublisher events() {
    return io.tandem.core.event.EventPublisher.none(); // a witness runs no agent
  }
}
