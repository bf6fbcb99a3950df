package io.tandem.core.runbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.runbook.report.RunReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kills the engine at every crash point of every step, restarts a new engine on the same journal
 * and checks the run always ends in the same final state with no unsafe step applied twice.
 */
class CrashResumeTest {

  /** Thrown by the crash hook: an Error, which the engine never catches, like a kill. */
  static final class SimulatedCrash extends Error {
    SimulatedCrash(String where) {
      super("simulated crash " + where, null, false, false);
    }
  }

  static final List<String> STEPS = List.of("fence", "address", "dns", "trunk", "notify");
  static final Set<String> UNSAFE = Set.of("trunk", "notify");

  @TempDir Path dir;

  static Stream<Arguments> crashPoints() {
    List<Arguments> all = new ArrayList<>();
    for (String step : STEPS) {
      for (CrashPoint point : CrashPoint.values()) {
        all.add(Arguments.of(step, point));
      }
    }
    return all.stream();
  }

  record World(FakeWorld world, Runbook runbook) {}

  static World world() {
    FakeWorld w = new FakeWorld();
    for (String s : STEPS) {
      w.set(s, "old");
    }
    List<Stage> stages =
        List.of(
            Stage.of("fence", StageKind.FENCE, List.of(step(w, "fence"))),
            Stage.of(
                "switch",
                StageKind.SWITCH,
                List.of(step(w, "address"), step(w, "dns"), step(w, "trunk"))),
            Stage.of("notify", StageKind.NOTIFY, List.of(step(w, "notify"))));
    return new World(w, new Runbook("crash test", RunKind.FAILOVER, stages));
  }

  private static boolean awaitQuietly(ExecutorService pool) {
    try {
      return pool.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static Step step(FakeWorld w, String id) {
    return UNSAFE.contains(id) ? FakeStep.unsafe(id, w, "new") : FakeStep.safe(id, w, "new");
  }

  @ParameterizedTest(name = "crash {1} of step {0}")
  @MethodSource("crashPoints")
  void killedAtAnyBoundaryResumesToTheSameFinalState(String crashStep, CrashPoint crashPoint) {
    killAndResume(crashStep, crashPoint, Runnable::run);
  }

  /**
   * The same with parallel steps on a thread pool: the sibling steps of the crashing one may get
   * further (or not) before "the process dies"; the pool is drained before the restart, as a real
   * crash would stop those threads too.
   */
  @ParameterizedTest(name = "crash {1} of step {0}, parallel")
  @MethodSource("crashPoints")
  void killedWhileSiblingStepsRunInParallelResumesToTheSameFinalState(
      String crashStep, CrashPoint crashPoint) {
    killAndResume(crashStep, crashPoint, Executors.newFixedThreadPool(4));
  }

  private void killAndResume(String crashStep, CrashPoint crashPoint, Executor executor) {
    EngineFixture fx = new EngineFixture(dir);
    World reference = world();
    RunReport clean =
        fx.engine()
            .journals(
                new io.tandem.core.runbook.journal.JournalDirectory(dir.resolve("ref"), fx.clock))
            .build()
            .run(reference.runbook(), RunRequest.planned("ref", EngineFixture.TOKEN));
    assertThat(clean.outcome()).isEqualTo("SUCCEEDED");

    World w = world();
    AtomicBoolean crashed = new AtomicBoolean();
    RunbookEngine doomed =
        fx.engine()
            .executor(executor)
            .crashHook(
                (point, stepId) -> {
                  if (point == crashPoint
                      && stepId.equals(crashStep)
                      && crashed.compareAndSet(false, true)) {
                    throw new SimulatedCrash(point + " " + stepId);
                  }
                })
            .build();
    assertThatThrownBy(
            () -> doomed.run(w.runbook(), RunRequest.planned("run-1", EngineFixture.TOKEN)))
        .isInstanceOf(SimulatedCrash.class);
    if (executor instanceof ExecutorService pool) {
      pool.shutdown(); // the dead process's other threads stop too
      assertThat(awaitQuietly(pool)).isTrue();
    }

    RunbookEngine restarted = fx.engine().build();
    assertThat(restarted.unfinishedRuns()).containsExactly("run-1");
    RunReport report = restarted.resume("run-1", w.runbook(), EngineFixture.TOKEN);

    boolean unsafeInterrupted = UNSAFE.contains(crashStep) && crashPoint == CrashPoint.AFTER_INTENT;
    if (unsafeInterrupted) {
      // Intent journaled, apply never ran: the engine cannot know, so it must not apply again.
      assertThat(report.outcome()).isEqualTo("NEEDS_MANUAL_INTERVENTION");
      assertThat(w.world().applies(crashStep)).isZero();
      assertThat(report.failures())
          .singleElement()
          .satisfies(f -> assertThat(f.reason()).contains("not safe to repeat"));
      // The operator finishes the change by hand, records it, and resumes.
      w.world().set(crashStep, "new");
      restarted.resolveByHand("run-1", crashStep, "alice", "set by hand");
      report = restarted.resume("run-1", w.runbook(), EngineFixture.TOKEN);
    }
    assertThat(report.outcome())
        .as(io.tandem.core.runbook.report.ReportText.render(report))
        .isEqualTo("SUCCEEDED");
    assertThat(w.world().snapshot()).isEqualTo(reference.world().snapshot());
    for (String s : STEPS) {
      int expected = unsafeInterrupted && s.equals(crashStep) ? 0 : 1;
      assertThat(w.world().applies(s)).as("applies of %s", s).isEqualTo(expected);
    }
    assertThat(restarted.unfinishedRuns()).isEmpty();
    assertThat(report.steps()).extracting(RunReport.StepReport::status).doesNotContain("SKIPPED");
    assertThat(report.changes())
        .extracting(RunReport.Change::resource)
        .containsExactlyInAnyOrderElementsOf(STEPS);
    assertThat(report.timeline()).anySatisfy(e -> assertThat(e.event()).startsWith("run resumed"));
    assertThat(Map.of("resumed", report.runId())).containsEntry("resumed", "run-1");
  }
}
