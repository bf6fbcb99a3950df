package io.tandem.app;

import io.tandem.app.api.ClusterRuntime;
import io.tandem.app.api.ClusterStatus;
import io.tandem.app.api.CommandResult;
import io.tandem.app.api.DecisionView;
import io.tandem.app.api.RunView;
import io.tandem.app.api.SensorView;
import io.tandem.app.api.SiteView;
import io.tandem.app.api.TicketView;
import io.tandem.core.agent.Action;
import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.Decision;
import io.tandem.core.agent.ReasonCode;
import io.tandem.core.event.EventBus;
import io.tandem.core.event.EventPublisher;
import io.tandem.core.event.TandemEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A hand-written fake of the app's own port, for API, security and console tests. */
public final class FakeClusterRuntime implements ClusterRuntime {

  public final List<String> commands = new CopyOnWriteArrayList<>();
  private final EventBus bus = new EventBus("fake");
  private volatile String active = "site-a";
  private volatile long epoch = 1;

  /** When set, status reads wait on it (a slow read occupying its request thread). */
  public volatile CountDownLatch holdStatus;

  /** Status reads begun. */
  public final java.util.concurrent.atomic.AtomicInteger statusReads =
      new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public ClusterStatus status() {
    statusReads.incrementAndGet();
    CountDownLatch hold = holdStatus;
    if (hold != null) {
      try {
        hold.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<SiteView> sites = new ArrayList<>();
    for (String s : List.of("site-a", "site-b")) {
      sites.add(
          new SiteView(
              s,
              "onprem",
              s.equals(active) ? "ACTIVE" : "STANDBY",
              true,
              "healthy 2/2",
              List.of(
                  new SensorView("sip-options", "sip-options", "OK", true, true, "200 OK in 1 ms"),
                  new SensorView("disk", "disk-space", "OK", true, false, "40% used")),
              true));
    }
    return new ClusterStatus(
        "lab", active, new TicketView(active, epoch, Instant.now().plusSeconds(5)), sites, true);
  }

  @Override
  public List<DecisionView> decisions(int limit) {
    return List.of(
        new DecisionView(
            Instant.now(),
            active,
            "ACTIVE",
            "NONE",
            "HOLDING_TICKET",
            "no action: holding ticket epoch " + epoch));
  }

  @Override
  public List<RunView> runs() {
    return List.of();
  }

  @Override
  public Optional<Object> report(String runId, boolean json) {
    return "run-1".equals(runId)
        ? Optional.of(json ? Map.of("id", "run-1") : "report run-1")
        : Optional.empty();
  }

  @Override
  public CommandResult switchover(String targetSite) {
    commands.add("switchover " + targetSite);
    if (targetSite.equals(active)) {
      return CommandResult.refused(targetSite + " is already active");
    }
    active = targetSite;
    epoch++;
    emit(
        new TandemEvent.DecisionMade(
            targetSite,
            new Decision(
                Action.ACTIVATE,
                ReasonCode.TICKET_GRANTED,
                "activating: acquired ticket epoch " + epoch,
                AgentState.ACQUIRING,
                AgentState.ACTIVE,
                epoch,
                Instant.now())));
    return CommandResult.accepted("switchover to " + targetSite + " started", "run-" + epoch);
  }

  @Override
  public CommandResult failover(String targetSite) {
    commands.add("failover " + targetSite);
    return switchover(targetSite);
  }

  @Override
  public Object plan(String targetSite, boolean switchover, boolean json) {
    return json ? Map.of("target", targetSite) : "plan to " + targetSite;
  }

  @Override
  public CommandResult maintenance(String site, boolean on) {
    commands.add("maintenance " + site + " " + on);
    return CommandResult.accepted("maintenance " + (on ? "on" : "off"), null);
  }

  @Override
  public CommandResult approveGate(String runId) {
    commands.add("approve " + runId);
    return CommandResult.refused("no gate waiting in " + runId);
  }

  @Override
  public CommandResult abortRun(String runId) {
    commands.add("abort " + runId);
    return CommandResult.refused("no run " + runId);
  }

  @Override
  public CommandResult drill() {
    commands.add("drill");
    CountDownLatch hold = holdDrill;
    if (hold != null) {
      try {
        hold.await(30, TimeUnit.SECONDS); // a slow command occupying its request thread
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return CommandResult.accepted("drill started", "drill-1");
  }

  /** When set, {@link #drill()} waits for it (bounded), as a slow command would. */
  public volatile CountDownLatch holdDrill;

  @Override
  public CommandResult forceAcquire(String site, String acknowledgement) {
    commands.add("force " + site);
    if (!FORCE_ACKNOWLEDGEMENT.equals(acknowledgement)) {
      return CommandResult.refused("acknowledgement must be exactly: " + FORCE_ACKNOWLEDGEMENT);
    }
    return CommandResult.accepted("forced acquire by " + site, null);
  }

  @Override
  public EventPublisher events() {
    return bus;
  }

  /** Publish an event as the agent would (subscribers get it on the bus's thread). */
  public void emit(TandemEvent e) {
    bus.publish(e);
  }
}
