package io.tandem.app.lab;

import io.tandem.app.api.RunView;
import io.tandem.app.api.SiteView;
import io.tandem.core.runbook.Probe;
import io.tandem.core.runbook.report.ReportText;
import io.tandem.core.runbook.report.RunReport;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The lab's scenarios: inject a fault into a steady lab, print the agents' own event stream as it
 * happens, then the production run report of the site that took over, and measure the RTO from
 * outside: from the fault until the public address answers from the new site and the DNS record and
 * the carrier's registration lead there, as the lab's own clients see them (never the agents' word
 * for it). Every wait is bounded; a scenario that does not reach its expected end reports so and
 * fails.
 */
public enum LabScenario {
  PRIMARY_CRASH("primary-crash", "the whole primary site is lost (agent, PBX and AMI stop)"),
  PARTITION("partition", "the primary is cut from the witness and from the other site"),
  WITNESS_DOWN("witness-down", "the witness is unreachable from every site"),
  SWITCHOVER("switchover", "an operator moves the service to the standby (planned)");

  /**
   * What a scenario measured.
   *
   * @param rtoMillis fault to service verified from outside (the lab's clients)
   * @param detectionMillis fault until the taking-over agent set out to acquire
   * @param ticketWaitMillis from then until it held the ticket and activated
   * @param decisionMillis from then until its run started
   * @param runbookMillis the run's own duration, first journal record to the last
   * @param reportedRtoMillis the total the agent's run report states
   */
  public record Result(
      LabScenario scenario,
      boolean ok,
      String verdict,
      Long rtoMillis,
      Long detectionMillis,
      Long ticketWaitMillis,
      Long decisionMillis,
      Long runbookMillis,
      Long reportedRtoMillis,
      String runId,
      String from,
      String to) {

    Result failed(String why) {
      return new Result(
          scenario,
          false,
          why + "; " + verdict,
          rtoMillis,
          detectionMillis,
          ticketWaitMillis,
          decisionMillis,
          runbookMillis,
          reportedRtoMillis,
          runId,
          from,
          to);
    }
  }

  private static final Duration SETTLE = Duration.ofSeconds(60);
  private static final Duration OUTCOME = Duration.ofSeconds(60);
  private static final java.util.concurrent.atomic.AtomicLong CHANGES =
      new java.util.concurrent.atomic.AtomicLong();

  private final String id;
  private final String description;

  LabScenario(String id, String description) {
    this.id = id;
    this.description = description;
  }

  public String id() {
    return id;
  }

  public String description() {
    return description;
  }

  public static Optional<LabScenario> byId(String id) {
    for (LabScenario s : values()) {
      if (s.id.equals(id)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /**
   * Waits until one site serves, no run is in flight and every live site is healthy; prints and
   * returns the active site.
   *
   * @throws IllegalStateException when the lab does not settle within 60 s, with every site's
   *     status
   */
  public static String awaitSteady(LabCluster lab, PrintStream out) {
    int[] streak = {0};
    if (!LabOutside.waitFor(SETTLE, () -> (steady(lab) ? ++streak[0] : (streak[0] = 0)) >= 10)) {
      StringBuilder why = new StringBuilder();
      for (LabSite s : lab.sites.values()) {
        if (!s.crashed) {
          why.append("\n  ").append(s.name).append(": ").append(s.runtime().status().sites());
          why.append("\n  runs ").append(s.runtime().runs());
        }
      }
      throw new IllegalStateException(
          "the lab did not settle within " + SETTLE.toSeconds() + " s:" + why);
    }
    String active = lab.servingSite().orElseThrow();
    var ticket = lab.site(active).runtime().status().ticket();
    out.printf(
        Locale.ROOT,
        "steady: %s is active (ticket epoch %d), %s stands by%n",
        active,
        ticket == null ? 0 : ticket.epoch(),
        other(lab, active));
    return active;
  }

  private static boolean steady(LabCluster lab) {
    Optional<String> active = lab.servingSite();
    if (active.isEmpty() || lab.site(active.get()).runtime().runs().isEmpty()) {
      return false;
    }
    for (LabSite s : lab.sites.values()) {
      if (s.crashed) {
        continue;
      }
      if (!s.pbx.serving() || s.runtime().runs().stream().anyMatch(r -> running(r.state()))) {
        return false;
      }
      SiteView own =
          s.runtime().status().sites().stream()
              .filter(v -> v.name().equals(s.name))
              .findFirst()
              .orElseThrow();
      if (!own.healthy() || own.state().equals("ACQUIRING")) {
        return false;
      }
    }
    return true;
  }

  /** Injects this scenario's fault into a steady lab and reports what happened. */
  public Result run(LabCluster lab, PrintStream out) {
    String primary = awaitSteady(lab, out);
    String standby = other(lab, primary);
    boolean synced =
        this == WITNESS_DOWN
            || LabSync.showDialplanChange(
                lab.site(primary), lab.site(standby), out, CHANGES.incrementAndGet());
    BlockingQueue<RunView> ended = new LinkedBlockingQueue<>();
    Instant t0 = lab.clock().instant();
    AutoCloseable printer =
        LabTimeline.print(
            lab,
            out,
            t0,
            r -> {
              if (standby.equals(r.to()) && !running(r.state())) {
                ended.add(r);
              }
            });
    LabRtoBreakdown breakdown = new LabRtoBreakdown(standby, t0);
    AutoCloseable watch = lab.subscribe(breakdown::on);
    out.printf(Locale.ROOT, "scenario %s: %s%n", id, description);
    out.printf(Locale.ROOT, "  +%6.3f s  %s%n", 0.0, inject(lab, primary, standby));
    try {
      Result r =
          this == WITNESS_DOWN
              ? witnessDown(lab, out, primary, standby, t0)
              : failover(lab, out, primary, standby, t0, ended, breakdown);
      return synced ? r : r.failed("the dialplan change did not reach " + standby + " before");
    } finally {
      closeQuietly(printer);
      closeQuietly(watch);
    }
  }

  private String inject(LabCluster lab, String primary, String standby) {
    return switch (this) {
      case PRIMARY_CRASH -> {
        lab.site(primary).crash();
        yield "crashed " + primary + ": its agent, PBX and AMI stopped answering";
      }
      case PARTITION -> {
        lab.network.isolate(primary);
        yield "isolated " + primary + " from the witness and from " + standby;
      }
      case WITNESS_DOWN -> {
        lab.network.witnessDown(true);
        yield "the witness is unreachable from every site";
      }
      case SWITCHOVER ->
          "operator, through the API of "
              + primary
              + ": "
              + lab.site(primary).runtime().switchover(standby).message();
    };
  }

  private Result failover(
      LabCluster lab,
      PrintStream out,
      String primary,
      String standby,
      Instant t0,
      BlockingQueue<RunView> ended,
      LabRtoBreakdown breakdown) {
    Probe caller = lab.peers().publicAddressProbe(standby);
    Instant restored = null;
    RunView run = null;
    Instant deadline = t0.plus(OUTCOME);
    while (lab.clock().instant().isBefore(deadline) && (restored == null || run == null)) {
      if (restored == null && LabOutside.leadsTo(lab, caller, standby)) {
        restored = lab.clock().instant();
      }
      try {
        run = run != null ? run : ended.poll(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (run == null || restored == null) {
      lab.network.heal();
      String why =
          lab.site(standby).runtime().decisions(20).stream()
              .map(d -> "\n    " + d.state() + " " + d.reasonCode() + ": " + d.words())
              .distinct()
              .reduce("", String::concat);
      return new Result(
          this,
          false,
          (run == null ? "no run on " + standby : "callers never reached " + standby)
              + " within "
              + OUTCOME.toSeconds()
              + " s; its last decisions:"
              + why,
          null,
          null,
          null,
          null,
          null,
          null,
          run == null ? null : run.id(),
          primary,
          standby);
    }
    RunReport report =
        lab.site(standby).runtime().report(run.id(), true).map(RunReport.class::cast).orElse(null);
    boolean ok = report != null && report.outcome().equals("SUCCEEDED");
    if (this == PARTITION) {
      ok &= stepDown(lab, out, primary, t0);
    }
    long rto = Duration.between(t0, restored).toMillis();
    out.printf(
        Locale.ROOT,
        "%s %s: %s now serves; run %s %s%n",
        report == null ? "FAILOVER" : report.kind(),
        ok ? "COMPLETE" : "FAILED",
        standby,
        run.id(),
        run.state());
    if (report != null) {
      out.println("  the run report (tandem report " + run.id() + "):");
      ReportText.render(report).lines().forEach(l -> out.println("    " + l));
    }
    out.printf(
        Locale.ROOT,
        "RTO %.2f s, measured from outside: from the fault until SIP OPTIONS through the public"
            + " address were answered by %s, DNS answered its address and the carrier held only"
            + " its contact%n  = %s%n",
        rto / 1000.0,
        standby,
        breakdown.describe(restored, report == null ? 0 : report.epoch()));
    RunReport.Rto r = report == null ? null : report.rto();
    return new Result(
        this,
        ok,
        ok ? "failed over" : "failover incomplete",
        rto,
        breakdown.detectionMillis(),
        breakdown.ticketWaitMillis(),
        breakdown.decisionMillis(),
        report == null ? null : Duration.between(report.startedAt(), report.endedAt()).toMillis(),
        r == null ? null : r.totalMillis(),
        run.id(),
        primary,
        standby);
  }

  /** The isolated primary must stop serving and its PBX refuse new calls; then the link heals. */
  private static boolean stepDown(LabCluster lab, PrintStream out, String primary, Instant t0) {
    LabSite p = lab.site(primary);
    boolean fenced =
        LabOutside.waitFor(Duration.ofSeconds(10), () -> !p.serving() && !p.model.acceptingCalls());
    out.printf(
        Locale.ROOT,
        "  +%6.3f s  %s %s%n",
        secs(t0, lab.clock().instant()),
        primary,
        fenced
            ? "is not serving and its PBX refuses new calls (it fenced itself: it could not renew)"
            : "STILL SERVING");
    lab.network.heal();
    out.printf(
        Locale.ROOT,
        "  +%6.3f s  partition healed; %s stands by again when healthy%n",
        secs(t0, lab.clock().instant()),
        primary);
    return fenced;
  }

  private Result witnessDown(
      LabCluster lab, PrintStream out, String primary, String standby, Instant t0) {
    Duration watch = lab.config().timings().ticketTtl().multipliedBy(3);
    Instant end = t0.plus(watch);
    boolean keptServing = true;
    boolean otherNeverServed = true;
    while (lab.clock().instant().isBefore(end)) {
      keptServing &= lab.site(primary).serving();
      otherNeverServed &= !lab.site(standby).serving();
      LabOutside.waitFor(Duration.ofMillis(100), () -> false);
    }
    out.printf(
        Locale.ROOT,
        "  +%6.3f s  after %.1f s without a witness: %s %s, %s %s%n",
        secs(t0, lab.clock().instant()),
        watch.toMillis() / 1000.0,
        primary,
        keptServing
            ? "kept serving (witness-outage failsafe: the standby confirms every tick)"
            : "stopped serving",
        standby,
        otherNeverServed ? "never served" : "SERVED TOO");
    lab.network.heal();
    boolean ok = keptServing && otherNeverServed;
    out.printf(
        Locale.ROOT,
        "%s: the witness is back; no failover was needed%n",
        ok ? "SERVICE KEPT" : "UNEXPECTED");
    return new Result(
        this,
        ok,
        ok ? "active kept serving" : "unexpected",
        0L,
        null,
        null,
        null,
        null,
        null,
        null,
        primary,
        primary);
  }

  private static String other(LabCluster lab, String site) {
    return lab.sites.keySet().stream().filter(n -> !n.equals(site)).findFirst().orElseThrow();
  }

  private static boolean running(String state) {
    return state.equals("RUNNING") || state.equals("WAITING_FOR_APPROVAL");
  }

  private static double secs(Instant t0, Instant t) {
    return LabTimeline.secs(t0, t);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // unsubscribing an in-memory listener
    }
  }
}
