package io.tandem.app.lab;

import io.tandem.app.api.DecisionView;
import io.tandem.app.api.RunView;
import io.tandem.core.runbook.report.RunReport;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The lab's scenarios: inject a fault, print the timeline as it happens, and measure the RTO. Every
 * wait is bounded; a scenario that does not reach its expected end reports so and fails.
 */
public enum LabScenario {
  PRIMARY_CRASH("primary-crash", "the whole primary site is lost (agent, PBX and AMI stop)"),
  PARTITION("partition", "the primary is cut from the witness and from the other site"),
  WITNESS_DOWN("witness-down", "the witness is unreachable from every site"),
  SWITCHOVER("switchover", "an operator moves the service to the standby (planned)");

  /** What a scenario measured. */
  public record Result(
      LabScenario scenario,
      boolean ok,
      String verdict,
      Long rtoMillis,
      Long detectionMillis,
      Long decisionMillis,
      Long runbookMillis,
      String from,
      String to) {}

  private static final Duration SETTLE = Duration.ofSeconds(60);
  private static final Duration OUTCOME = Duration.ofSeconds(60);

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

  /** Waits until one site serves, its activation run ended and every live site is healthy. */
  static String awaitSteady(LabCluster lab, PrintStream out) {
    int[] streak = {0};
    boolean ok = waitFor(SETTLE, () -> (steady(lab) ? ++streak[0] : (streak[0] = 0)) >= 10);
    if (!ok) {
      throw new IllegalStateException(
          "the lab did not settle within "
              + SETTLE.toSeconds()
              + " s: "
              + lab.runtime().status()
              + "; runs "
              + lab.runs.stream().map(r -> r.id + "=" + r.state()).toList()
              + lab.runs.stream()
                  .findFirst()
                  .flatMap(r -> lab.runtime().report(r.id, false))
                  .map(t -> "\n" + t)
                  .orElse(""));
    }
    String active = lab.servingSite().orElseThrow();
    out.printf(
        Locale.ROOT,
        "steady: %s is active (ticket epoch %d), %s stands by%n",
        active,
        lab.runtime().status().ticket().epoch(),
        lab.sites.keySet().stream().filter(n -> !n.equals(active)).findFirst().orElse("-"));
    return active;
  }

  /** One site serves, no run is in flight, every live site is healthy and its PBX answers. */
  private static boolean steady(LabCluster lab) {
    return lab.servingSite().isPresent()
        && lab.lastActive() != null
        && lab.runs.stream().noneMatch(r -> r.state().equals("RUNNING"))
        && lab.sites.values().stream().allMatch(s -> s.crashed || s.pbx.serving())
        && lab.runtime().status().sites().stream()
            .allMatch(s -> s.healthy() && !s.state().equals("ACQUIRING"));
  }

  /** Injects this scenario's fault into a steady lab and reports what happened. */
  public Result run(LabCluster lab, PrintStream out) {
    String primary = awaitSteady(lab, out);
    String standby =
        lab.sites.keySet().stream().filter(n -> !n.equals(primary)).findFirst().orElseThrow();
    BlockingQueue<RunReport> reports = new ArrayBlockingQueue<>(16);
    lab.reportListeners.add(reports::add);
    Instant t0 = lab.clock().instant();
    lab.faultAt(t0);
    java.util.Map<String, String> lastWords = new java.util.concurrent.ConcurrentHashMap<>();
    AutoCloseable printer =
        lab.subscribe(
            e -> {
              if (e.data() instanceof DecisionView v
                  && (!v.action().equals("NONE") || isTransition(v))
                  && !(v.state() + v.words())
                      .equals(lastWords.put(v.site(), v.state() + v.words()))) {
                out.printf(
                    Locale.ROOT,
                    "  +%6.3f s  %-9s %-10s %s%n",
                    secs(t0, v.at()),
                    v.site(),
                    v.state(),
                    v.words());
              } else if (e.data() instanceof RunView r) {
                out.printf(
                    Locale.ROOT,
                    "  +%6.3f s  %-9s runbook %s %s (%s -> %s)%n",
                    secs(t0, e.at()),
                    r.to(),
                    r.id(),
                    r.state(),
                    r.from(),
                    r.to());
              }
            });
    out.printf(Locale.ROOT, "scenario %s: %s%n", id, description);
    out.printf(Locale.ROOT, "  +%6.3f s  %s%n", 0.0, inject(lab, primary, standby));
    try {
      return switch (this) {
        case WITNESS_DOWN -> witnessDown(lab, out, primary, standby, t0);
        default -> failover(lab, out, primary, standby, t0, reports);
      };
    } finally {
      closeQuietly(printer);
    }
  }

  private String inject(LabCluster lab, String primary, String standby) {
    return switch (this) {
      case PRIMARY_CRASH -> {
        lab.sites.get(primary).crash();
        // a crashed agent decides nothing more, so nothing else would tell the console
        lab.emit("state", lab.runtime().status());
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
      case SWITCHOVER -> {
        var r = lab.runtime().switchover(standby);
        yield "operator: " + r.message();
      }
    };
  }

  private Result failover(
      LabCluster lab,
      PrintStream out,
      String primary,
      String standby,
      Instant t0,
      BlockingQueue<RunReport> reports) {
    RunReport report = null;
    Instant deadline = t0.plus(OUTCOME);
    while (lab.clock().instant().isBefore(deadline)) {
      RunReport r;
      try {
        r = reports.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (r != null && r.site().equals(standby)) {
        report = r;
        break;
      }
    }
    if (report == null) {
      StringBuilder why = new StringBuilder();
      var recent = lab.sites.get(standby).agent.loop().history().recent();
      String[] last = {""};
      recent.stream()
          .filter(d -> !d.at().isBefore(t0))
          .filter(d -> !(d.to() + d.words()).equals(last[0]))
          .limit(20)
          .forEach(
              d -> {
                last[0] = d.to() + d.words();
                why.append("\n    ").append(d);
              });
      lab.network.heal();
      return new Result(
          this,
          false,
          "no failover to "
              + standby
              + " within "
              + OUTCOME.toSeconds()
              + " s; its last"
              + " decisions:"
              + why,
          null,
          null,
          null,
          null,
          primary,
          standby);
    }
    boolean ok =
        report.outcome().equals("SUCCEEDED")
            && waitFor(
                Duration.ofSeconds(5), () -> lab.servingSite().filter(standby::equals).isPresent());
    if (this == PARTITION) {
      boolean fenced =
          waitFor(Duration.ofSeconds(10), () -> !lab.sites.get(primary).agent.serving());
      out.printf(
          Locale.ROOT,
          "  +%6.3f s  %s %s%n",
          secs(t0, lab.clock().instant()),
          primary,
          fenced ? "is not serving (fenced itself: it could not renew)" : "STILL SERVING");
      ok &= fenced;
      lab.network.heal();
      out.printf(
          Locale.ROOT,
          "  +%6.3f s  partition healed; %s stands by again when healthy%n",
          secs(t0, lab.clock().instant()),
          primary);
    }
    Instant restored =
        report.rto() != null && report.rto().serviceRestoredAt() != null
            ? report.rto().serviceRestoredAt()
            : report.endedAt();
    long rto = Duration.between(t0, restored).toMillis();
    Long detection = report.rto() == null ? null : report.rto().detectionMillis();
    Long decision = report.rto() == null ? null : report.rto().decisionMillis();
    long runbook = Duration.between(report.startedAt(), report.endedAt()).toMillis();
    out.printf(
        Locale.ROOT,
        "%s: %s now serves; run %s %s%n",
        ok ? "FAILOVER COMPLETE" : "FAILOVER FAILED",
        standby,
        report.runId(),
        report.outcome());
    for (var step : report.steps()) {
      out.printf(
          Locale.ROOT,
          "    %-8s %-44s %-9s %6s ms  %s%n",
          step.stage(),
          trim(step.title(), 44),
          step.status(),
          step.durationMillis() == null ? "-" : step.durationMillis(),
          step.after() == null
              ? (step.detail() == null ? "" : step.detail())
              : step.before() + " -> " + step.after());
    }
    out.printf(
        Locale.ROOT,
        "RTO %.2f s (fault to verified service)%s; runbook %.2f s%n",
        rto / 1000.0,
        detection == null
            ? ""
            : String.format(
                Locale.ROOT,
                ": detection %.2f s, decision %.2f s",
                detection / 1000.0,
                decision == null ? 0.0 : decision / 1000.0),
        runbook / 1000.0);
    return new Result(
        this,
        ok,
        ok ? "failed over" : "failover incomplete",
        rto,
        detection,
        decision,
        runbook,
        primary,
        standby);
  }

  private Result witnessDown(
      LabCluster lab, PrintStream out, String primary, String standby, Instant t0) {
    Duration watch = LabTimings.TTL.multipliedBy(3);
    Instant end = t0.plus(watch);
    boolean keptServing = true;
    boolean otherNeverServed = true;
    while (lab.clock().instant().isBefore(end)) {
      keptServing &= lab.sites.get(primary).agent.serving();
      otherNeverServed &= !lab.sites.get(standby).agent.serving();
      waitFor(Duration.ofMillis(100), () -> false);
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
        primary,
        primary);
  }

  private static boolean isTransition(DecisionView d) {
    return d.reasonCode().equals("TICKET_GRANTED")
        || d.reasonCode().startsWith("FENC")
        || d.reasonCode().equals("TICKET_EXPIRED")
        || d.reasonCode().equals("ACQUIRING")
        || d.reasonCode().startsWith("FAILSAFE")
        || d.reasonCode().startsWith("SWITCHOVER")
        || d.reasonCode().equals("TICKET_LOST")
        || d.reasonCode().equals("WITNESS_UNREACHABLE");
  }

  static boolean waitFor(Duration max, BooleanSupplier condition) {
    long deadline = System.nanoTime() + max.toNanos();
    Object signal = new Object();
    while (System.nanoTime() - deadline < 0) {
      if (condition.getAsBoolean()) {
        return true;
      }
      synchronized (signal) {
        try {
          signal.wait(50); // a bounded poll of in-process state; nothing else can signal it
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return condition.getAsBoolean();
  }

  private static double secs(Instant t0, Instant t) {
    return Duration.between(t0, t).toNanos() / 1e9;
  }

  private static String trim(String s, int n) {
    return s == null ? "" : s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // unsubscribing an in-memory listener
    }
  }
}
