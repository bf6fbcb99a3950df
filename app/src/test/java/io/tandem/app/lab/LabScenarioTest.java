package io.tandem.app.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.config.Timings;
import io.tandem.core.event.TandemEvent;
import io.tandem.core.runbook.report.RunReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lab end to end: one cluster (the witness server, two production agents each with its own
 * server, simulated PBXs, carrier, DNS and public address on loopback) goes through every scenario
 * in turn. Each scenario first waits for a steady cluster, so the order only decides which site is
 * active when it starts.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabScenarioTest {

  /**
   * What a loaded CI host adds to the design bound: eight builds share two cores here, which delays
   * ticks, witness and peer round trips (each bounded by the 800 ms retry timeout, so a slow one is
   * retried on the next one-second tick) and the outside caller's polling (a 250 ms probe every 50
   * ms).
   */
  static final Duration CI_ALLOWANCE = Duration.ofSeconds(4);

  @TempDir static Path dir;
  static LabCluster lab;
  static final Set<String> reasons = ConcurrentHashMap.newKeySet();
  static AutoCloseable subscription;

  @BeforeAll
  static void start() {
    lab = new LabCluster(new LabCluster.Options(dir, "127.0.0.1", 0)).start();
    subscription =
        lab.subscribe(
            e -> {
              if (e instanceof TandemEvent.DecisionMade d) {
                reasons.add(d.site() + ":" + d.decision().reason().name());
              }
            });
  }

  @AfterAll
  static void stop() throws Exception {
    if (subscription != null) {
      subscription.close();
    }
    if (lab != null) {
      lab.close();
    }
  }

  static LabScenario.Result run(LabScenario s) {
    var buf = new ByteArrayOutputStream();
    var result = s.run(lab, new PrintStream(buf, true, StandardCharsets.UTF_8));
    System.out.println(buf.toString(StandardCharsets.UTF_8));
    return result;
  }

  @Test
  @Order(1)
  void witnessOutageAloneDoesNotTakeTheServiceDown() {
    var r = run(LabScenario.WITNESS_DOWN);
    assertThat(r.ok()).as(r.verdict()).isTrue();
    assertThat(reasons).anyMatch(x -> x.endsWith("FAILSAFE_PEERS_CONFIRMED"));
  }

  @Test
  @Order(2)
  void plannedSwitchoverMovesEverythingToTheStandby() {
    var r = run(LabScenario.SWITCHOVER);
    assertThat(r.ok()).as(r.verdict()).isTrue();
    assertThat(lab.servingSite()).contains(r.to());
    assertEverythingPointsAt(r.to());
  }

  @Test
  @Order(3)
  void aDrillOnTheActiveAgentMovesTheServiceAndBackAsDrills() {
    String home = LabScenario.awaitSteady(lab, System.out);
    var runtime = lab.site(home).runtime();
    var started = runtime.drill();
    assertThat(started.accepted()).as(started.message()).isTrue();
    String id = started.runId();
    List<String> legs = List.of(id + "-forward", id + "-back");
    Awaitility.await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> legs.stream().allMatch(leg -> runtime.report(leg, true).isPresent()));
    assertThat(legs)
        .allSatisfy(
            leg -> {
              var report = (RunReport) runtime.report(leg, true).orElseThrow();
              assertThat(report.drill()).isTrue();
              assertThat(report.outcome()).as(leg).isEqualTo("SUCCEEDED");
            });
    assertThat(lab.servingSite()).contains(home);
    assertEverythingPointsAt(home);
  }

  @Test
  @Order(4)
  void theIsolatedSiteFencesItselfAndTheOtherTakesOver() {
    var r = run(LabScenario.PARTITION);
    assertThat(r.ok()).as(r.verdict()).isTrue();
    assertThat(reasons).contains(r.from() + ":FENCED", r.to() + ":TICKET_GRANTED");
    assertEverythingPointsAt(r.to());
  }

  @Test
  @Order(5)
  void primaryCrashFailsOverWithinTheDesignBound() {
    var r = run(LabScenario.PRIMARY_CRASH);
    assertThat(r.ok()).as(r.verdict()).isTrue();
    assertEverythingPointsAt(r.to());
    // the lab labels each part of its outside-measured total: detection and the ticket wait are
    // apart, and the parts never add up to more than the total
    assertThat(r.detectionMillis()).isNotNull();
    assertThat(r.ticketWaitMillis()).isNotNull();
    assertThat(r.detectionMillis() + r.ticketWaitMillis() + r.decisionMillis())
        .isLessThanOrEqualTo(r.rtoMillis());
    // design bound: the ticket ends at most a TTL after the last renewal, the witness hands it on
    // after its grace, the standby asks on its next tick; then the runbook runs
    Timings t = lab.config().timings();
    Duration detectedAndGranted = t.ticketTtl().plus(t.witnessGrace()).plus(t.tick());
    assertThat(Duration.ofMillis(r.detectionMillis() + r.ticketWaitMillis()))
        .isLessThanOrEqualTo(detectedAndGranted.plus(CI_ALLOWANCE));
    assertThat(Duration.ofMillis(r.rtoMillis()))
        .isLessThanOrEqualTo(
            detectedAndGranted.plus(Duration.ofMillis(r.runbookMillis())).plus(CI_ALLOWANCE));
    assertThat(r.reportedRtoMillis()).as("the agent's own run report states an RTO").isNotNull();
  }

  private static void assertEverythingPointsAt(String site) {
    assertThat(lab.peers().attachedSite()).contains(site);
    assertThat(LabOutside.leadsTo(lab, lab.peers().publicAddressProbe(site), site))
        .as("the public address, DNS and the carrier lead to " + site)
        .isTrue();
  }
}
