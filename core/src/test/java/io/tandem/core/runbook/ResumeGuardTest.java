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
  void aNewerEpochOfTheSameSiteResumesAndEndedRunsAreNotRunAgain() {
    fx.heldEpoch.set(9);
    RunReport r = fx.engine().build().resume("run-1", rb, new FencingToken("c1", "b", 9));
    assertThat(r.outcome()).isEqualTo("SUCCEEDED");
    assertThat(r.timeline())
        .anySatisfy(e -> assertThat(e.event()).contains("resumed after a restart with epoch 9"));
    RunReport again = fx.engine().build().resume("run-1", rb, new FencingToken("c1", "b", 9));
    assertThat(again.outcome()).isEqualTo("SUCCEEDED");
    assertThat(world.applies("a")).isEqualTo(1);
    assertThat(world.applies("b")).isEqualTo(1);
  }
}
