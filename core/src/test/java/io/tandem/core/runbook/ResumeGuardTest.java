package io.tandem.core.runbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.core.witness.FencingToken;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What resume refuses, and what it does with runs that already ended. */
class ResumeGuardTest {

  @TempDir Path dir;
  EngineFixture fx;
  FakeWorld world;
  Runbook rb;

  @BeforeEach
  void crashAfterFirstStep() {
    fx = new EngineFixture(dir);
    world = new FakeWorld().set("a", "old").set("b", "old");
    rb = runbook("a", "b");
    RunbookEngine crashing =
        fx.engine()
            .crashHook(
                (p, id) -> {
                  if (p == CrashPoint.AFTER_RESULT && id.equals("a")) {
                    throw new CrashResumeTest.SimulatedCrash("after a");
                  }
                })
            .build();
    assertThatThrownBy(() -> crashing.run(rb, RunRequest.planned("run-1", EngineFixture.TOKEN)))
        .isInstanceOf(CrashResumeTest.SimulatedCrash.class);
  }

  Runbook runbook(String... ids) {
    return new Runbook(
        "r",
        RunKind.CUSTOM,
        java.util.Arrays.stream(ids)
            .map(
                id ->
                    Stage.of(id, StageKind.SWITCH, List.<Step>of(FakeStep.safe(id, world, "new"))))
            .toList());
  }

  @Test
  void aChangedRunbookIsRefused() {
    assertThatThrownBy(
            () -> fx.engine().build().resume("run-1", runbook("a", "c"), EngineFixture.TOKEN))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("runbook changed");
    assertThat(world.applies("b")).isZero();
  }

  @Test
  void anOlderEpochOrAnotherSiteIsRefused() {
    assertThatThrownBy(
            () -> fx.engine().build().resume("run-1", rb, new FencingToken("c1", "b", 6)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("may not resume");
    assertThatThrownBy(
            () -> fx.engine().build().resume("run-1", rb, new FencingToken("c1", "a", 7)))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void theSameEpochResumesAndEndedRunsAreNotRunAgain() {
    RunReport r = fx.engine().build().resume("run-1", rb, EngineFixture.TOKEN);
    assertThat(r.outcome()).isEqualTo("SUCCEEDED");
    assertThat(r.timeline())
        .anySatisfy(e -> assertThat(e.event()).contains("resumed after a restart with epoch 7"));
    RunReport again = fx.engine().build().resume("run-1", rb, EngineFixture.TOKEN);
    assertThat(again.outcome()).isEqualTo("SUCCEEDED");
    assertThat(world.applies("a")).isEqualTo(1);
    assertThat(world.applies("b")).isEqualTo(1);
  }

  /**
   * Issue 12.5: between epoch 7 and 9 another site held the ticket and may have undone step a
   * (moved the address back). Resuming would skip a as verified and report SUCCEEDED with the
   * address at the old site; the run is closed as superseded instead, and a fresh run observes a
   * again.
   */
  @Test
  void aNewerEpochDoesNotResumeTheRunIsSupersededAndAFreshRunRedoesWhatWasUndone() {
    world.set("a", "old"); // the other site, at epoch 8, moved it back
    fx.heldEpoch.set(9);
    FencingToken now = new FencingToken("c1", "b", 9);
    RunbookEngine engine = fx.engine().build();
    assertThatThrownBy(() -> engine.resume("run-1", rb, now))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("run-1 was started under epoch 7")
        .hasMessageContaining("supersede it");

    RunReport closed = engine.supersede("run-1", now, "a fresh run starts under epoch 9");
    assertThat(closed.outcome()).isEqualTo("SUPERSEDED");
    assertThat(closed.reason())
        .isEqualTo(
            "superseded: started under epoch 7, now epoch 9; a fresh run starts under epoch 9");
    assertThat(closed.steps())
        .extracting(RunReport.StepReport::id, RunReport.StepReport::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", "VERIFIED"),
            org.assertj.core.groups.Tuple.tuple("b", "SKIPPED"));
    assertThat(closed.timeline().getLast().event())
        .isEqualTo("run ended: SUPERSEDED — " + closed.reason());
    assertThat(engine.unfinishedRuns()).isEmpty();
    assertThatThrownBy(() -> engine.supersede("run-1", now, "again"))
        .hasMessageContaining("already ended");

    RunReport fresh = engine.run(rb, RunRequest.planned("run-2", now));
    assertThat(fresh.outcome()).isEqualTo("SUCCEEDED");
    assertThat(world.get("a")).isEqualTo("new");
    assertThat(world.applies("a")).isEqualTo(2);
  }

  @Test
  void onlyTheSiteThatStartedARunMayCloseIt() {
    assertThatThrownBy(
            () -> fx.engine().build().supersede("run-1", new FencingToken("c1", "a", 9), "x"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("may not close it");
  }
}
