package io.tandem.app.lab;

import io.tandem.app.api.ClusterRuntime;
import io.tandem.app.api.ClusterStatus;
import io.tandem.app.api.CommandResult;
import io.tandem.app.api.DecisionView;
import io.tandem.app.api.RunView;
import io.tandem.app.api.RuntimeEvent;
import io.tandem.app.api.SensorView;
import io.tandem.app.api.SiteView;
import io.tandem.app.api.TicketView;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.OperatorCommand;
import io.tandem.core.runbook.report.ReportText;
import io.tandem.core.runbook.report.RunReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The lab cluster as the REST API, console, CLI and metrics see it. Thread-safe. */
public final class LabRuntime implements ClusterRuntime {

  private final LabCluster lab;

  LabRuntime(LabCluster lab) {
    this.lab = lab;
  }

  static DecisionView view(String site, Decision d) {
    return new DecisionView(
        d.at(), site, d.to().name(), d.action().name(), d.reason().name(), d.words());
  }

  @Override
  public ClusterStatus status() {
    List<SiteView> sites = new ArrayList<>();
    for (LabSite s : lab.sites.values()) {
      if (s.agent == null) {
        continue;
      }
      var h = s.health.snapshot();
      List<SensorView> sensors =
          h.sensors().stream()
              .map(
                  x ->
                      new SensorView(
                          x.spec().name(),
                          x.spec().kind(),
                          x.last().status().name(),
                          x.up(),
                          x.spec().critical(),
                          x.last().detail()))
              .toList();
      String state = s.crashed ? "DOWN" : s.agent.loop().state().name();
      sites.add(
          new SiteView(
              s.name,
              s.kind,
              state,
              !s.crashed && h.healthy(),
              s.crashed ? "site lost (simulated crash)" : h.summary(),
              sensors,
              !s.crashed));
    }
    var ticket =
        lab.witness
            .observe(LabCluster.CLUSTER)
            .map(t -> new TicketView(t.holder(), t.epoch(), t.expiry()))
            .orElse(null);
    return new ClusterStatus(
        LabCluster.CLUSTER, lab.servingSite().orElse(null), ticket, sites, true);
  }

  @Override
  public List<DecisionView> decisions(int limit) {
    List<DecisionView> all = new ArrayList<>();
    for (LabSite s : lab.sites.values()) {
      if (s.agent != null) {
        s.agent.loop().history().recent().forEach(d -> all.add(view(s.name, d)));
      }
    }
    all.sort(Comparator.comparing(DecisionView::at).reversed());
    return all.subList(0, Math.min(limit, all.size()));
  }

  @Override
  public List<RunView> runs() {
    return lab.runs.stream().map(RunRecord::view).toList();
  }

  @Override
  public Optional<Object> report(String runId, boolean json) {
    for (LabSite s : lab.sites.values()) {
      if (s.reports == null) {
        continue;
      }
      Optional<RunReport> r = s.reports.load(runId);
      if (r.isPresent()) {
        return Optional.of(json ? r.get() : ReportText.render(r.get()));
      }
    }
    return Optional.empty();
  }

  private Optional<LabSite> site(String name) {
    return Optional.ofNullable(lab.sites.get(name)).filter(s -> !s.crashed);
  }

  @Override
  public CommandResult switchover(String targetSite) {
    if (site(targetSite).isEmpty()) {
      return CommandResult.refused("no live site named '" + targetSite + "'");
    }
    Optional<String> active = lab.servingSite();
    if (active.isEmpty()) {
      return CommandResult.refused("no site is serving; nothing to switch over from");
    }
    if (active.get().equals(targetSite)) {
      return CommandResult.refused(targetSite + " is already active");
    }
    for (LabSite s : lab.sites.values()) {
      if (!s.crashed) {
        s.agent.command(new OperatorCommand.Switchover(targetSite));
      }
    }
    return CommandResult.accepted(
        "switchover from " + active.get() + " to " + targetSite + " requested", null);
  }

  @Override
  public CommandResult failover(String targetSite) {
    return switchover(targetSite);
  }

  @Override
  public Object plan(String targetSite, boolean switchover, boolean json) {
    String active = lab.servingSite().orElse("none");
    String text =
        "Plan: "
            + (switchover ? "switchover" : "failover")
            + " from "
            + active
            + " to "
            + targetSite
            + "\n"
            + "  1. fence "
            + active
            + " (best effort, simulated power)\n"
            + "  2. move "
            + lab.peers.allocationId()
            + " ("
            + lab.peers.attachedSite().orElse("free")
            + " -> "
            + targetSite
            + ")  ||  DNS "
            + lab.peers.serviceName()
            + " A -> "
            + lab.sites.get(targetSite).publicIp
            + "  ||  trunk "
            + LabCluster.TRUNK
            + " contact -> "
            + lab.sites.get(targetSite).trunkContact(LabCluster.TRUNK_USER)
            + "\n"
            + "  3. verify: public address answers SIP OPTIONS from "
            + targetSite
            + "; DNS answers the new value; registrar holds the new contact\n";
    return json
        ? java.util.Map.of("from", active, "to", targetSite, "switchover", switchover, "text", text)
        : text;
  }

  @Override
  public CommandResult maintenance(String site, boolean on) {
    return site(site)
        .map(
            s -> {
              s.agent.command(new OperatorCommand.Maintenance(on));
              return CommandResult.accepted(
                  "maintenance " + (on ? "on" : "off") + " for " + site, null);
            })
        .orElse(CommandResult.refused("no live site named '" + site + "'"));
  }

  @Override
  public CommandResult approveGate(String runId) {
    return CommandResult.refused("the lab's runbooks have no approval gates");
  }

  @Override
  public CommandResult abortRun(String runId) {
    for (LabSite s : lab.sites.values()) {
      if (s.engine != null && s.engine.abort(runId, "operator", "aborted from the API")) {
        return CommandResult.accepted("run " + runId + " aborts at the next step boundary", runId);
      }
    }
    return CommandResult.refused("no running run '" + runId + "'");
  }

  /**
   * A drill: a planned switchover to the standby and, once it serves, back again; both runs are
   * marked as drills (their notices never page on-call). Runs in the background.
   */
  @Override
  public CommandResult drill() {
    Optional<String> active = lab.servingSite();
    if (active.isEmpty()) {
      return CommandResult.refused("no site is serving; a drill needs a healthy active site");
    }
    if (lab.drilling) {
      return CommandResult.refused("a drill is already running");
    }
    String home = active.get();
    String target =
        lab.sites.keySet().stream().filter(n -> !n.equals(home)).findFirst().orElseThrow();
    lab.drilling = true;
    Thread.ofVirtual()
        .name("lab-drill")
        .start(
            () -> {
              try {
                if (leg(target)) {
                  leg(home);
                }
              } finally {
                lab.drilling = false;
              }
            });
    return CommandResult.accepted(
        "drill started: switch over to " + target + ", verify, and back to " + home, null);
  }

  private boolean leg(String to) {
    if (!switchover(to).accepted()) {
      return false;
    }
    return LabScenario.waitFor(
        java.time.Duration.ofSeconds(60),
        () ->
            lab.servingSite().filter(to::equals).isPresent()
                && lab.runs.stream().noneMatch(r -> r.state().equals("RUNNING"))
                && lab.sites.values().stream().allMatch(x -> x.crashed || x.pbx.serving()));
  }

  @Override
  public CommandResult forceAcquire(String site, String acknowledgement) {
    if (!FORCE_ACKNOWLEDGEMENT.equals(acknowledgement)) {
      return CommandResult.refused("acknowledgement must be exactly: " + FORCE_ACKNOWLEDGEMENT);
    }
    return site(site)
        .map(
            s -> {
              s.agent.command(
                  new OperatorCommand.ForceAcquire(OperatorCommand.FORCE_ACKNOWLEDGEMENT));
              return CommandResult.accepted("forced acquire requested for " + site, null);
            })
        .orElse(CommandResult.refused("no live site named '" + site + "'"));
  }

  @Override
  public AutoCloseable subscribe(Consumer<RuntimeEvent> listener) {
    return lab.subscribe(listener);
  }
}
