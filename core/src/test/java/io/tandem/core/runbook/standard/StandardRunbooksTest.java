package io.tandem.core.runbook.standard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import io.tandem.core.runbook.Notice;
import io.tandem.core.runbook.Plan;
import io.tandem.core.runbook.RunRequest;
import io.tandem.core.runbook.Runbook;
import io.tandem.core.runbook.RunbookEngine;
import io.tandem.core.runbook.StepPolicy;
import io.tandem.core.runbook.drill.Drill;
import io.tandem.core.runbook.drill.DrillReport;
import io.tandem.core.runbook.drill.DrillSchedule;
import io.tandem.core.runbook.journal.JournalDirectory;
import io.tandem.core.runbook.report.ReportText;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.core.runbook.report.RunReports;
import io.tandem.core.witness.FencingToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandardRunbooksTest {

  static final FencingToken B7 = new FencingToken("c1", "b", 7);
  static final Path SAMPLES = Path.of("target", "runbook-samples");

  @TempDir Path dir;
  FakeSites sites;
  AtomicLong ticker;
  AtomicLong heldEpoch;
  RunbookEngine engine;
  RunbookOptions options;

  /** A clock that moves 7 ms per read, so sample reports show plausible, deterministic times. */
  static final class TickingClock extends Clock {
    final AtomicLong millis = new AtomicLong(Instant.parse("2026-11-26T06:00:00Z").toEpochMilli());

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.addAndGet(7));
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @BeforeEach
  void setUp() {
    sites = new FakeSites();
    ticker = new AtomicLong();
    heldEpoch = new AtomicLong(7);
    TickingClock clock = new TickingClock();
    // Direct executor + a pacer that advances the ticker: drain waits and verification polling
    // run on simulated time, deterministically.
    engine =
        RunbookEngine.builder()
            .clock(clock)
            .ticker(ticker::get)
            .pacer(d -> ticker.addAndGet(d.toNanos()))
            .ticketGuard(t -> t.epoch() == heldEpoch.get())
            .journals(new JournalDirectory(dir, clock))
            .build();
    StepPolicy p =
        new StepPolicy(
            Duration.ofSeconds(30), 3, Duration.ofMillis(1), 2.0, 0.5, Duration.ofSeconds(1));
    options = RunbookOptions.uniform(p);
  }

  @Test
  void failoverMovesEverythingVerifiesFromOutsideAndNotifies() throws IOException {
    Runbook rb = StandardRunbooks.failover(sites.topology("a", "b"), options);
    assertThat(rb.stages())
        .extracting(s -> s.name())
        .containsExactly("fence", "switch", "verify", "notify");
    Instant t0 = Instant.parse("2026-11-26T05:59:50Z");
    RunReport r =
        engine.run(
            rb,
            RunRequest.outage("failover-1", B7, t0, t0.plusSeconds(6), t0.plusSeconds(9))
                .withNote("cause", "outage: site a was last seen serving under epoch 6")
                .withNote("fence", "fence a: it was seen serving under epoch 6 (peer report)"));

    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    assertThat(sites.state())
        .containsEntry("address", "i-b")
        .containsEntry("dns", "[203.0.113.2]")
        .containsEntry("trunk", "[sip:pbx@203.0.113.2]")
        .containsEntry("pbxB", "true");
    assertThat(sites.fencer.fenced).containsEntry("i-a", true);
    assertThat(sites.mover.recordedEpoch).isEqualTo(7);
    assertThat(sites.notices)
        .singleElement()
        .satisfies(n -> assertThat(n.severity()).isEqualTo(Notice.Severity.ALARM));
    assertThat(r.rto().detectionMillis()).isEqualTo(6000);
    assertThat(r.rto().ticketWaitMillis()).isEqualTo(3000);
    // the run's first record is written 1 s + one clock read after the decision
    assertThat(r.rto().decisionMillis()).isEqualTo(1007);
    // from the fault's first sign, not from the decision
    assertThat(r.rto().totalMillis())
        .isEqualTo(java.time.Duration.between(t0, r.rto().serviceRestoredAt()).toMillis());
    assertThat(r.notes()).extracting(RunReport.Note::label).containsExactly("cause", "fence");
    assertThat(ReportText.render(r))
        .contains(
            "Why\n  cause: outage: site a was last seen serving under epoch 6\n"
                + "  fence: fence a: it was seen serving under epoch 6 (peer report)\n")
        .containsPattern("detection \\(fault first seen → acting\\) +6000 ms")
        .containsPattern("ticket wait \\(acting → ticket granted\\) +3000 ms")
        .containsPattern("decision \\(decided → run started\\) +1007 ms");
    assertThat(r.rto().stages())
        .extracting(s -> s.kind())
        .containsExactly("FENCE", "SWITCH", "VERIFY", "NOTIFY");
    assertThat(r.changes())
        .extracting(c -> c.resource() + ": " + c.before() + " → " + c.after())
        .contains(
            "address eipalloc-1 (203.0.113.10): attached to i-a → attached to i-b",
            "DNS sip.example.com. A: 198.51.100.1 ttl 60 → 203.0.113.2 ttl 60",
            "trunk carrier-1: sip:pbx@198.51.100.1 → sip:pbx@203.0.113.2");
    Files.createDirectories(SAMPLES);
    Files.writeString(SAMPLES.resolve("failover-report.txt"), ReportText.render(r));
    Files.writeString(SAMPLES.resolve("failover-report.json"), RunReports.toJson(r));
  }

  @Test
  void planOfASwitchoverListsDrainAndSyncFirstAndChangesNothing() throws IOException {
    Map<String, String> before = sites.state();
    Plan plan =
        engine.plan(StandardRunbooks.switchover(sites.topology("a", "b"), options), B7, false);
    assertThat(plan.stages())
        .extracting(Plan.PlannedStage::name)
        .containsExactly("drain", "sync", "switch", "verify", "notify");
    assertThat(
            StandardRunbooks.switchover(
                    sites.topology("a", "b"), options.withFenceOnSwitchover(true))
                .stages())
        .extracting(s -> s.name())
        .containsExactly("drain", "sync", "fence", "switch", "verify", "notify");
    assertThat(sites.state()).isEqualTo(before);
    assertThat(sites.sync.runs).hasValue(0);
    assertThat(plan.toText())
        .contains("address eipalloc-1 (203.0.113.10): attached to i-a → attached to i-b");
    Files.createDirectories(SAMPLES);
    Files.writeString(SAMPLES.resolve("switchover-plan.txt"), plan.toText());
    Files.writeString(SAMPLES.resolve("switchover-plan.json"), plan.toJson());
  }

  @Test
  void switchoverDrainsCallsAndMakesSyncCurrentBeforeMoving() {
    sites.pbxA.activeCalls = 3;
    RunReport r =
        engine.run(
            StandardRunbooks.switchover(sites.topology("a", "b"), options),
            RunRequest.planned("sw-1", B7));
    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    assertThat(sites.pbxA.accepting).isFalse();
    assertThat(sites.pbxA.activeCalls).isZero();
    assertThat(sites.sync.runs).hasValue(1);
    assertThat(sites.state()).containsEntry("address", "i-b");
    assertThat(sites.notices)
        .singleElement()
        .satisfies(n -> assertThat(n.severity()).isEqualTo(Notice.Severity.INFO));
  }

  @Test
  void aJobTheOldActiveAlreadyCheckedIsRecordedNotWaitedForNorRunFromTheNewActive() {
    // the agent's own sync jobs: made current, or accepted as stale by an operator, on the old
    // active before it let go; here the copy is 15 minutes old and the job would never catch up
    sites.sync.checkedBeforeHandover = true;
    sites.sync.lag = 900;
    RunReport r =
        engine.run(
            StandardRunbooks.switchover(sites.topology("a", "b"), options),
            RunRequest.planned("sw-1", B7));
    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    assertThat(sites.sync.runs).as("the new active never sends its older copy back").hasValue(0);
    assertThat(r.steps())
        .filteredOn(s -> s.id().equals("sync:config-files"))
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.status()).isEqualTo("CHECKED");
              assertThat(s.detail())
                  .isEqualTo(
                      "lag 900.0 s (rsync); not current here, made current or accepted as stale"
                          + " on the old active before the handover");
            });
    assertThat(sites.state()).containsEntry("address", "i-b");
  }

  @Test
  void drainTimeoutIsReportedAndTheSwitchoverContinuesUnlessConfiguredToAbort() {
    sites.pbxA.activeCalls = 3;
    sites.pbxA.callsEnd = false;
    RunReport r =
        engine.run(
            StandardRunbooks.switchover(sites.topology("a", "b"), options),
            RunRequest.planned("sw-1", B7));
    assertThat(r.outcome()).isEqualTo("SUCCEEDED");
    assertThat(r.steps().getFirst().status()).isEqualTo("BEST_EFFORT_FAILED");
    assertThat(r.steps().getFirst().detail()).contains("3 active");

    FakeSites fresh = new FakeSites();
    fresh.pbxA.activeCalls = 3;
    fresh.pbxA.callsEnd = false;
    RunbookOptions strict = options.withDrain(options.drain(), 0, true);
    RunReport r2 =
        engine.run(
            StandardRunbooks.switchover(fresh.topology("a", "b"), strict),
            RunRequest.planned("sw-2", B7));
    assertThat(r2.outcome()).isEqualTo("FAILED");
    assertThat(fresh.state()).containsEntry("address", "i-a");
  }

  @Test
  void aNewerEpochRecordedOnTheAddressFencesTheRun() {
    sites.mover.recordedEpoch = 9;
    RunReport r =
        engine.run(
            StandardRunbooks.failover(sites.topology("a", "b"), options),
            RunRequest.planned("f-1", B7));
    assertThat(r.outcome()).isEqualTo("FENCED");
    assertThat(r.failures())
        .anySatisfy(f -> assertThat(f.reason()).contains("epoch 9, newer than our epoch 7"));
    assertThat(sites.state()).containsEntry("address", "i-a");
  }

  @Test
  void drillSwitchesToTheStandbyAndBackWithoutAlarms() throws IOException {
    Map<String, String> before = sites.state();
    Drill drill = new Drill(engine);
    DrillReport d =
        drill.run(
            "drill-2026-11",
            StandardRunbooks.switchover(sites.topology("a", "b"), options),
            StandardRunbooks.switchover(sites.topology("b", "a"), options),
            () -> B7,
            () -> {
              heldEpoch.set(8); // the agent moved the ticket back to site a
              return new FencingToken("c1", "a", 8);
            });
    assertThat(d.passed()).as(d.toText()).isTrue();
    assertThat(d.forward().drill()).isTrue();
    assertThat(d.back().outcome()).isEqualTo("SUCCEEDED");
    assertThat(sites.fencer.fenced).as("a drill never fences either site").isEmpty();
    Map<String, String> after = sites.state();
    assertThat(after)
        .isEqualTo(
            Map.of(
                "address",
                "i-a",
                "dns",
                before.get("dns"),
                "trunk",
                before.get("trunk"),
                "pbxA",
                "true",
                "pbxB",
                "false"));
    assertThat(sites.notices)
        .hasSize(2)
        .allSatisfy(
            n -> {
              assertThat(n.drill()).isTrue();
              assertThat(n.severity()).isNotEqualTo(Notice.Severity.ALARM);
              assertThat(n.subject()).startsWith("[drill]");
            });
    Files.createDirectories(SAMPLES);
    Files.writeString(SAMPLES.resolve("drill-report.txt"), d.toText());
  }

  @Test
  void topologyValidationNamesTheField() {
    assertThatThrownBy(
            () -> FailoverTopology.builder().cluster("c1").fromSite("a").toSite("a").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'toSite'");
    assertThatThrownBy(
            () -> FailoverTopology.builder().cluster("c1").fromSite("a").toSite("b").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'addresses'");
    assertThatThrownBy(() -> FailoverTopology.builder().fromSite("a").toSite("b").build())
        .hasMessageContaining("'cluster' is required");
  }

  @Test
  void drillScheduleSaysWhenADrillIsDue() {
    Instant anchor = Instant.parse("2026-01-06T10:00:00Z");
    DrillSchedule monthly = DrillSchedule.every(Duration.ofDays(28), anchor);
    assertThat(monthly.nextAfter(anchor)).contains(anchor.plus(Duration.ofDays(28)));
    assertThat(monthly.isDue(Optional.empty(), anchor.minusSeconds(1))).isFalse();
    assertThat(monthly.isDue(Optional.empty(), anchor)).isTrue();
    assertThat(monthly.isDue(Optional.of(anchor), anchor.plus(Duration.ofDays(27)))).isFalse();
    assertThat(monthly.isDue(Optional.of(anchor), anchor.plus(Duration.ofDays(28)))).isTrue();
    assertThat(DrillSchedule.never().isDue(Optional.empty(), anchor)).isFalse();
  }

  @Test
  void aFirstActivationMovesTheServiceFencesNobodyAndPagesNobody() {
    Runbook rb = StandardRunbooks.activation(sites.topology("a", "b"), options);
    assertThat(rb.kind()).isEqualTo(io.tandem.core.runbook.RunKind.ACTIVATION);
    assertThat(rb.name()).isEqualTo("activation c1: b");
    assertThat(rb.stages()).extracting(s -> s.name()).containsExactly("switch", "verify", "notify");
    RunReport r = engine.run(rb, RunRequest.planned("activation-1", B7));
    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    assertThat(r.kind()).isEqualTo("ACTIVATION");
    assertThat(sites.fencer.fenced).isEmpty();
    assertThat(sites.state()).containsEntry("address", "i-b").containsEntry("dns", "[203.0.113.2]");
    assertThat(sites.notices)
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.severity()).isEqualTo(Notice.Severity.INFO);
              assertThat(n.subject()).isEqualTo("Activation of c1 to site b done");
            });
  }

  @Test
  void theNewHolderRecordsItsEpochOnItsOwnMachineBeforeItServes() {
    Runbook rb = StandardRunbooks.failover(sites.topologyWithHolder("a", "b"), options);
    assertThat(rb.stages())
        .extracting(s -> s.name())
        .containsExactly("fence", "claim", "switch", "verify", "notify");
    RunReport r = engine.run(rb, RunRequest.planned("failover-1", B7));
    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    assertThat(sites.fencer.holderEpoch).containsEntry("i-b", 7L);
    assertThat(r.steps())
        .filteredOn(s -> s.id().equals("holder:i-b"))
        .singleElement()
        .satisfies(s -> assertThat(s.after()).isEqualTo("i-b records epoch 7"));
  }

  @Test
  void aMachineThatRecordsANewerEpochStopsTheRunBeforeThisSiteServes() {
    sites.fencer.holderEpoch.put("i-b", 9L); // another holder got a newer ticket since
    RunReport r =
        engine.run(
            StandardRunbooks.activation(sites.topologyWithHolder("a", "b"), options),
            RunRequest.planned("activation-1", B7));
    assertThat(r.outcome()).isEqualTo("FENCED");
    assertThat(sites.state()).containsEntry("pbxB", "false").containsEntry("address", "i-a");
  }

  @Test
  void aFencingGateStandsRightBeforeTheFenceAndOnlyWhereSomeoneIsFenced() {
    io.tandem.core.runbook.Gate fencing =
        io.tandem.core.runbook.Gate.of(
            "before-fencing",
            "Approve fencing?",
            Duration.ofMinutes(10),
            io.tandem.core.runbook.Gate.TimeoutPolicy.ABORT);
    io.tandem.core.runbook.Gate failover =
        io.tandem.core.runbook.Gate.of(
            "before-failover",
            "Approve the failover?",
            Duration.ofMinutes(10),
            io.tandem.core.runbook.Gate.TimeoutPolicy.ABORT);
    RunbookOptions gated = options.withApproval(failover).withFencingApproval(fencing);
    assertThat(StandardRunbooks.failover(sites.topology("a", "b"), gated).stages())
        .extracting(s -> s.name())
        .containsExactly(
            "gate before-failover", "gate before-fencing", "fence", "switch", "verify", "notify");
    // a planned switchover drops the first gate; it fences (and so asks) only when told to
    assertThat(
            StandardRunbooks.activation(sites.topology("a", "b"), gated.withoutApproval()).stages())
        .extracting(s -> s.name())
        .containsExactly("switch", "verify", "notify");
    assertThat(gated.withoutApproval().fencingApproval()).contains(fencing);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> options.withApproval(fencing).withFencingApproval(fencing))
        .hasMessageContaining("distinct ids");
  }
}
