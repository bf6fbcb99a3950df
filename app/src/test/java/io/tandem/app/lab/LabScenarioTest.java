package io.tandem.app.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.api.DecisionView;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lab end to end: one cluster (witness over HTTP, two agents, simulated PBXs, carrier, DNS and
 * public address on loopback) goes through every scenario in turn. Each scenario first waits for a
 * steady cluster, so the order only decides which site is active when it starts.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabScenarioTest {

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
              if (e.data() instanceof DecisionView d) {
                reasons.add(d.site() + ":" + d.reasonCode());
              }
            });
  }

  @AfterAll
  static void stop() throws Exception {
    subscription.close();
    lab.close();
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
  void aDrillSwitchesOverAndBackMarkedAsADrill() {
    String home = LabScenario.awaitSteady(lab, System.out);
    int before = lab.runs.size();
    var started = lab.runtime().drill();
    assertThat(started.accepted()).as(started.message()).isTrue();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                !lab.drilling
                    && lab.runs.size() >= before + 2
                    && lab.servingSite().filter(home::equals).isPresent());
    var drills = lab.runs.subList(0, lab.runs.size() - before);
    assertThat(drills)
        .allSatisfy(
            r -> {
              assertThat(r.kind).isEqualTo("DRILL");
              assertThat(r.state()).isEqualTo("SUCCEEDED");
            });
    var report = lab.runtime().report(drills.get(0).id, true).orElseThrow();
    assertThat(((io.tandem.core.runbook.report.RunReport) report).drill()).isTrue();
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
  void primaryCrashFailsOverWithinTheTicketBudget() {
    var r = run(LabScenario.PRIMARY_CRASH);
    assertThat(r.ok()).as(r.verdict()).isTrue();
    assertEverythingPointsAt(r.to());
    // TTL + grace + a few ticks is the design bound; generous here for a loaded CI machine
    assertThat(Duration.ofMillis(r.rtoMillis()))
        .isLessThan(LabTimings.TTL.plus(LabTimings.GRACE).plusSeconds(20));
  }

  private static void assertEverythingPointsAt(String site) {
    LabSite s = lab.sites.get(site);
    assertThat(lab.peers().attachedSite()).contains(site);
    assertThat(lab.peers().dns().verify(lab.serviceRecord(s))).isTrue();
    assertThat(lab.peers().trunkContacts(LabCluster.TRUNK_USER))
        .containsExactly(s.trunkContact(LabCluster.TRUNK_USER));
  }
}
