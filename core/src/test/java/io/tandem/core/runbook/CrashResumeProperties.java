package io.tandem.core.runbook;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.runbook.report.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random runbook shapes (stages, parallel steps, safe or not, some already done) killed several
 * times at random step boundaries, each time restarted on the same journal: the run always ends
 * with every resource in the desired state, each change applied at most once by the engine, and an
 * unsafe step never applied twice.
 */
class CrashResumeProperties {

  record StepShape(boolean safe, boolean alreadyDone) {}

  record Crash(int stepIndex, CrashPoint point) {}

  record Scenario(List<List<StepShape>> stages, List<Crash> crashes) {}

  @Provide
  Arbitrary<Scenario> scenarios() {
    Arbitrary<StepShape> step =
        Combinators.combine(
                Arbitraries.of(true, true, false), Arbitraries.of(false, false, false, true))
            .as(StepShape::new);
    Arbitrary<List<List<StepShape>>> stages =
        step.list().ofMinSize(1).ofMaxSize(3).list().ofMinSize(1).ofMaxSize(4);
    Arbitrary<Crash> crash =
        Combinators.combine(Arbitraries.integers().between(0, 11), Arbitraries.of(CrashPoint.class))
            .as(Crash::new);
    return Combinators.combine(stages, crash.list().ofMinSize(1).ofMaxSize(3)).as(Scenario::new);
  }

  @Property(tries = 60)
  void anySequenceOfCrashesEndsInTheDesiredStateWithoutRepeatingUnsafeSteps(
      @ForAll("scenarios") Scenario scenario) throws IOException {
    Path dir = Files.createTempDirectory("crash-prop");
    try {
      check(scenario, dir);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void check(Scenario scenario, Path dir) {
    EngineFixture fx = new EngineFixture(dir);
    FakeWorld world = new FakeWorld();
    List<Stage> stages = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    List<Boolean> unsafe = new ArrayList<>();
    for (int s = 0; s < scenario.stages().size(); s++) {
      List<Step> steps = new ArrayList<>();
      for (StepShape shape : scenario.stages().get(s)) {
        String id = "s" + ids.size();
        world.set(id, shape.alreadyDone() ? "new" : "old");
        steps.add(
            shape.safe() ? FakeStep.safe(id, world, "new") : FakeStep.unsafe(id, world, "new"));
        ids.add(id);
        unsafe.add(!shape.safe());
      }
      stages.add(Stage.of("stage" + s, StageKind.SWITCH, steps));
    }
    Runbook rb = new Runbook("prop", RunKind.CUSTOM, stages);
    List<String> resolvedByHand = new ArrayList<>();

    RunReport report = null;
    int incarnation = 0;
    // Bounded: one incarnation per planned crash, plus manual resolutions, plus the final one.
    for (int round = 0;
        round < scenario.crashes().size() + ids.size() + 2 && report == null;
        round++) {
      Crash crash =
          incarnation < scenario.crashes().size() ? scenario.crashes().get(incarnation) : null;
      String crashId = crash == null ? null : ids.get(crash.stepIndex() % ids.size());
      RunbookEngine engine =
          fx.engine()
              .crashHook(
                  (point, stepId) -> {
                    if (crash != null && point == crash.point() && stepId.equals(crashId)) {
                      throw new CrashResumeTest.SimulatedCrash(point + " " + stepId);
                    }
                  })
              .build();
      incarnation++;
      RunReport r;
      try {
        r =
            round == 0
                ? engine.run(rb, RunRequest.planned("run", EngineFixture.TOKEN))
                : engine.resume("run", rb, EngineFixture.TOKEN);
      } catch (CrashResumeTest.SimulatedCrash e) {
        continue;
      }
      if (r.outcome().equals("NEEDS_MANUAL_INTERVENTION")) {
        RunReport.Failure f = r.failures().getFirst();
        assertThat(unsafe.get(ids.indexOf(f.step()))).as("only unsafe steps need a human").isTrue();
        world.set(f.step(), "new"); // the operator completes it by hand
        resolvedByHand.add(f.step());
        engine.resolveByHand("run", f.step(), "op", "done by hand");
        continue;
      }
      report = r;
    }
    assertThat(report).as("the run finished").isNotNull();
    assertThat(report.outcome()).isEqualTo("SUCCEEDED");
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      assertThat(world.get(id)).isEqualTo("new");
      int expected =
          scenario.stages().stream().flatMap(List::stream).toList().get(i).alreadyDone()
                  || resolvedByHand.contains(id)
              ? 0
              : 1;
      assertThat(world.applies(id))
          .as("applies of %s (unsafe=%s)", id, unsafe.get(i))
          .isEqualTo(expected);
    }
  }
}
