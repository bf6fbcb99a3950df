package io.tandem.app.lab;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.tandem.app.ExitCodes;
import io.tandem.app.agent.AgentAssembly;
import io.tandem.app.cli.TandemCommand;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.runbook.report.RunReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lab runs the production agent and nothing of its own: {@code tandem plan} against a lab agent
 * prints exactly what the production planner ({@code AgentRuntime.plan}) prints for the lab's
 * cluster file, and the lab's code builds no runbook, driver, witness or API of its own.
 */
class LabRunsTheProductionAgentTest {

  @TempDir static Path dir;
  static LabCluster lab;

  @BeforeAll
  static void start() {
    lab = new LabCluster(new LabCluster.Options(dir.resolve("lab"), "127.0.0.1", 0)).start();
  }

  @AfterAll
  static void stop() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void tandemPlanAgainstTheLabPrintsTheProductionPlanForItsClusterFile() {
    String active = LabScenario.awaitSteady(lab, System.out);
    String standby = lab.siteNames().stream().filter(s -> !s.equals(active)).findFirst().get();
    // a failover is planned by the site that would take over: compared with an agent of that site
    // assembled apart from the lab from the same cluster file (both hold no ticket yet)
    try (AgentAssembly atStandby = reference(standby)) {
      assertThat(plan(standby, standby, false))
          .isEqualTo(text(atStandby.runtime().plan(standby, false, false)))
          .startsWith("Plan: failover lab: " + active + " → " + standby);
    }
    // a switchover is planned by the active site, which drains its own PBX first; its plan acts
    // under the active's live ticket, so it is compared with that agent's production planner
    assertThat(plan(active, standby, true))
        .isEqualTo(text(lab.runtime(active).plan(standby, true, false)))
        .startsWith("Plan: switchover lab: " + active + " → " + standby)
        .contains("drain [DRAIN]", "Drain calls on site " + active);
  }

  /** An agent of {@code site}, assembled apart from the lab from the same cluster file; not run. */
  private static AgentAssembly reference(String site) {
    Path secrets = lab.clusterFile().getParent().resolve("secrets");
    try {
      return AgentAssembly.assemble(
          lab.config(),
          site,
          new AgentAssembly.Options(
              dir.resolve("reference-" + site),
              SecretResolver.system(lab.clusterFile().getParent()),
              Files.readString(secrets.resolve("peer")).getBytes(StandardCharsets.UTF_8),
              "http",
              HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(),
              Clock.systemUTC(),
              System::nanoTime,
              lab.providers()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The plan itself; the target's readiness after it is observed live, so it is left out. */
  private static String text(Object plan) {
    String t = String.valueOf(plan);
    int readiness = t.indexOf("\nReadiness of ");
    return (readiness < 0 ? t : t.substring(0, readiness)).strip();
  }

  @Test
  void aSwitchoverInTheLabRunsExactlyTheRunbookProductionPlansForIt() {
    String active = LabScenario.awaitSteady(lab, System.out);
    String standby = lab.siteNames().stream().filter(s -> !s.equals(active)).findFirst().get();
    String planned = plan(active, standby, true);
    var out = new ByteArrayOutputStream();
    var result =
        LabScenario.SWITCHOVER.run(lab, new PrintStream(out, true, StandardCharsets.UTF_8));
    System.out.println(out.toString(StandardCharsets.UTF_8));
    assertThat(result.ok()).as(result.verdict()).isTrue();
    var report = (RunReport) lab.runtime(standby).report(result.runId(), true).orElseThrow();
    assertThat(report.kind()).isEqualTo("SWITCHOVER");
    assertThat(planned).startsWith("Plan: " + report.runbook() + " (switchover");
    // every step the plan listed ran, and nothing else: no fence of the cooperating old site
    List<String> plannedSteps =
        planned
            .lines()
            .map(PLANNED_STEP::matcher)
            .filter(java.util.regex.Matcher::find)
            .map(m -> m.group(1))
            .toList();
    assertThat(report.steps()).extracting(RunReport.StepReport::id).isEqualTo(plannedSteps);
    assertThat(plannedSteps)
        .anyMatch(id -> id.startsWith("drain:"))
        .noneMatch(id -> id.startsWith("fence:"));
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("SWITCHOVER COMPLETE: " + standby);
  }

  /** A step line of a printed plan: {@code 2.1 Move address ... (address:eipalloc-..., ...}. */
  private static final java.util.regex.Pattern PLANNED_STEP =
      java.util.regex.Pattern.compile("^\\s+\\d+\\.\\d+ .*  \\(([^,\\s]+), ");

  @Test
  void theLabBuildsNoRunbookDriverWitnessOrApiOfItsOwn() {
    JavaClasses lab =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.tandem.app.lab");
    noClasses()
        .that()
        .resideInAPackage("io.tandem.app.lab")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.tandem.core.runbook.standard..",
            "io.tandem.core.runbook.drill..",
            "io.tandem.core.runbook.journal..",
            "io.tandem.core.agent..",
            "io.tandem.core.health..",
            "io.tandem.app.peer..",
            "io.tandem.onprem.ami..",
            "io.tandem.onprem.sip..")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("io.tandem.core.runbook.RunbookEngine")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName("io.tandem.core.witness.BuiltInWitness")
        .orShould()
        .implement(io.tandem.app.api.ClusterRuntime.class)
        .orShould()
        .callConstructor(io.tandem.app.agent.AgentDriver.class)
        .because(
            "the lab runs tandem agent and tandem witness; it has no decision logic of its own")
        .check(lab);
  }

  /** {@code tandem plan} as an operator types it, against {@code site}'s agent in the lab. */
  private static String plan(String site, String target, boolean switchover) {
    PrintStream before = System.out;
    var out = new ByteArrayOutputStream();
    var err = new StringWriter();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      var cl = TandemCommand.commandLine();
      cl.setErr(new PrintWriter(err, true));
      code =
          switchover
              ? cl.execute(
                  "plan",
                  "--url",
                  lab.consoleUrl(site).toString(),
                  "--token-file",
                  lab.apiTokenFile().toString(),
                  "--to",
                  target,
                  "--switchover")
              : cl.execute(
                  "plan",
                  "--url",
                  lab.consoleUrl(site).toString(),
                  "--token-file",
                  lab.apiTokenFile().toString(),
                  "--to",
                  target);
    } finally {
      System.setOut(before);
    }
    assertThat(code).as(err + out.toString(StandardCharsets.UTF_8)).isEqualTo(ExitCodes.OK);
    return text(out.toString(StandardCharsets.UTF_8));
  }
}
