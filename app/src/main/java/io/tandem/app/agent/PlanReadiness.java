package io.tandem.app.agent;

import io.tandem.app.api.ClusterStatus;
import io.tandem.app.api.SiteView;
import io.tandem.core.health.SensorState;
import io.tandem.core.health.SiteHealth;
import io.tandem.core.port.FenceState;
import io.tandem.core.port.SyncJob;
import io.tandem.core.port.SyncStatus;
import io.tandem.core.runbook.standard.FailoverTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * What an operator asks before a move, answered beside the plan: is the target's agent there and in
 * a state to take over, is it healthy, is its PBX answering, is its instance running, are the
 * synchronised copies fresh — and which of these would block the move. Observation only; each
 * remote look (the fencer's view of the target's instance) is bounded by {@link #LOOK_TIMEOUT}.
 *
 * <p>Sync freshness is a warning: a planned switchover runs the jobs once more and waits for them
 * (bounded) before it is accepted; a failover never waits for sync (the old site is gone). A target
 * still in its start-up hold is a warning too: it becomes STANDBY on its own.
 */
final class PlanReadiness {

  /** Bound on one remote look (the target's instance state). */
  static final Duration LOOK_TIMEOUT = Duration.ofSeconds(5);

  /**
   * One question and its answer.
   *
   * @param name what was checked: agent, health, pbx, instance, sync
   * @param ok whether it is as a move needs it
   * @param blocking whether a failure would block the move (else it is a warning)
   * @param words the answer in words
   */
  record Check(String name, boolean ok, boolean blocking, String words) {}

  /**
   * The answers for one target.
   *
   * @param target the site the plan moves the service to
   * @param checks every question asked, in order
   */
  record Result(String target, List<Check> checks) {
    Result {
      checks = List.copyOf(checks);
    }

    /** The failed checks that would block the move, in words. */
    List<String> blockers() {
      return checks.stream().filter(c -> !c.ok() && c.blocking()).map(Check::words).toList();
    }

    List<String> warnings() {
      return checks.stream().filter(c -> !c.ok() && !c.blocking()).map(Check::words).toList();
    }

    String toText() {
      StringBuilder out = new StringBuilder("\nReadiness of ").append(target).append(":\n");
      for (Check c : checks) {
        out.append(String.format("  %s %-9s %s%n", c.ok() ? "ok  " : "FAIL", c.name(), c.words()));
      }
      List<String> b = blockers();
      if (b.isEmpty()) {
        out.append("Nothing found that would block the move.\n");
      } else {
        out.append("BLOCKED: the move to ").append(target).append(" would not succeed now:\n");
        b.forEach(x -> out.append("  - ").append(x).append('\n'));
      }
      return out.toString();
    }

    Map<String, Object> toJson() {
      return Map.of(
          "target",
          target,
          "ready",
          blockers().isEmpty(),
          "checks",
          checks,
          "blockers",
          blockers(),
          "warnings",
          warnings());
    }
  }

  private final String localSite;
  private final Function<String, Optional<FailoverTopology.FenceTarget>> fenceTargets;
  private final List<SyncJob> syncJobs;

  PlanReadiness(
      String localSite,
      Function<String, Optional<FailoverTopology.FenceTarget>> fenceTargets,
      List<SyncJob> syncJobs) {
    this.localSite = localSite;
    this.fenceTargets = fenceTargets;
    this.syncJobs = List.copyOf(syncJobs);
  }

  Result check(String target, boolean switchover, ClusterStatus status, SiteHealth ownHealth) {
    List<Check> checks = new ArrayList<>();
    SiteView v =
        status.sites().stream().filter(s -> s.name().equals(target)).findFirst().orElseThrow();
    checks.add(agent(target, v, status));
    checks.add(
        new Check(
            "health",
            v.healthy(),
            true,
            v.reachable()
                ? target + " is " + v.healthSummary()
                : target + "'s health is unknown: its agent is not heard"));
    if (target.equals(localSite)) {
      checks.addAll(pbx(ownHealth));
    }
    instance(target).ifPresent(checks::add);
    for (SyncJob job : syncJobs) {
      checks.add(sync(job, switchover));
    }
    return new Result(target, checks);
  }

  private static Check agent(String target, SiteView v, ClusterStatus status) {
    if (!v.reachable()) {
      return new Check(
          "agent",
          false,
          true,
          target
              + "'s agent is UNREACHABLE ("
              + v.healthSummary()
              + "): nobody there would run the move");
    }
    return switch (v.state()) {
      case "STANDBY" -> new Check("agent", true, true, target + "'s agent is STANDBY");
      // in its start-up hold: it becomes STANDBY on its own within the hold; a warning only
      case "STARTING" ->
          new Check(
              "agent",
              false,
              false,
              target + "'s agent is STARTING (start-up hold): it takes over once STANDBY");
      case "ACTIVE" ->
          new Check("agent", false, true, target + " is already ACTIVE: there is nothing to move");
      default ->
          new Check(
              "agent",
              false,
              true,
              target + "'s agent is " + v.state() + ": it takes over only from STANDBY");
    };
  }

  /** This site's PBX sensors (the ones that talk to Asterisk or FreeSWITCH). */
  private static List<Check> pbx(SiteHealth h) {
    List<Check> out = new ArrayList<>();
    for (SensorState s : h.sensors()) {
      String kind = s.spec().kind();
      if (kind.startsWith("pbx-") || kind.startsWith("ami-") || kind.startsWith("esl-")) {
        out.add(
            new Check(
                "pbx",
                s.up(),
                s.spec().critical(),
                "sensor " + s.spec().name() + " " + s.last().status() + ": " + s.last().detail()));
      }
    }
    return out;
  }

  private Optional<Check> instance(String target) {
    return fenceTargets
        .apply(target)
        .map(
            ft -> {
              CompletableFuture<FenceState> look =
                  CompletableFuture.supplyAsync(
                      () -> ft.fencer().observe(ft.target()),
                      r -> Thread.ofVirtual().name("tandem-plan-look").start(r));
              try {
                FenceState st = look.get(LOOK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                return st.fenced()
                    ? new Check(
                        "instance",
                        false,
                        true,
                        target
                            + "'s machine "
                            + ft.target()
                            + " is not running ("
                            + st.detail()
                            + "): start it first")
                    : new Check(
                        "instance", true, true, ft.target() + " is running (" + st.detail() + ")");
              } catch (TimeoutException e) {
                look.cancel(true);
                return unobserved(ft, "no answer within " + LOOK_TIMEOUT.toMillis() + " ms");
              } catch (ExecutionException e) {
                return unobserved(ft, String.valueOf(e.getCause().getMessage()));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return unobserved(ft, "interrupted");
              }
            });
  }

  private static Check unobserved(FailoverTopology.FenceTarget ft, String why) {
    return new Check(
        "instance",
        false,
        false,
        "cannot tell whether "
            + ft.target()
            + " is running ("
            + ft.fencer().provider()
            + ": "
            + why
            + ")");
  }

  private static Check sync(SyncJob job, boolean switchover) {
    SyncStatus st;
    try {
      st = job.status();
    } catch (RuntimeException e) {
      return new Check(
          "sync", false, false, job.name() + ": status unknown (" + e.getMessage() + ")");
    }
    String age =
        st.lastSuccess().isEmpty()
            ? "never synchronised"
            : "last synchronised " + Math.round(st.lagSeconds()) + " s ago";
    if (!st.stale() && st.lastSuccess().isPresent()) {
      return new Check("sync", true, false, job.name() + " is fresh (" + age + ")");
    }
    // a warning, not a blocker: a switchover runs the job once more and waits for it (bounded)
    // before it is accepted, and is refused then if the copy is still stale
    return new Check(
        "sync",
        false,
        false,
        job.name()
            + " is stale ("
            + age
            + ")"
            + (switchover
                ? ": the switchover runs it once more and is refused if it stays stale (or"
                    + " acknowledge the stale job)"
                : ": a failover does not wait for sync"));
  }
}
