package io.tandem.core.runbook;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.error.PermissionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class PlanTest {

  @TempDir Path dir;

  static final class DeniedStep implements Step {
    @Override
    public StepSpec spec() {
      return StepSpec.of("denied", "A step we may not observe", "iam", FakeStep.FAST);
    }

    @Override
    public Observation observe(StepContext context) {
      throw new PermissionException("ec2:DescribeAddresses not allowed");
    }

    @Override
    public String apply(Observation observed, StepContext context) {
      throw new AssertionError("plan must never apply");
    }

    @Override
    public Verification verify(StepContext context) {
      throw new AssertionError("plan must never verify");
    }
  }

  @Test
  void planShowsEveryStepInOrderWithBeforeAndAfterAndChangesNothing() {
    EngineFixture fx = new EngineFixture(dir);
    FakeWorld world = new FakeWorld().set("a", "old").set("b", "same").set("c", "old");
    Runbook rb =
        new Runbook(
            "plan test",
            RunKind.FAILOVER,
            List.of(
                Stage.of("one", StageKind.FENCE, List.of(FakeStep.safe("a", world, "new"))),
                Stage.of(
                    "two",
                    StageKind.SWITCH,
                    List.of(
                        FakeStep.safe("b", world, "same"),
                        FakeStep.unsafe("c", world, "new"),
                        new DeniedStep()))));
    RunbookEngine engine = fx.engine().build();

    Plan first = engine.plan(rb, EngineFixture.TOKEN, false);
    Plan second = engine.plan(rb, EngineFixture.TOKEN, false);

    assertThat(world.totalApplies()).isZero();
    assertThat(Files.exists(dir.resolve("journal"))).isFalse();
    assertThat(second.toText()).isEqualTo(first.toText());
    assertThat(second.toJson()).isEqualTo(first.toJson());
    assertThat(first.changes()).isEqualTo(2);

    String text = first.toText();
    assertThat(text)
        .contains("1.1 Set a")
        .contains("a: old → new")
        .contains("b: same (no change)")
        .contains("NOT safe to repeat")
        .contains("cannot observe: ec2:DescribeAddresses not allowed")
        .contains("3 steps in parallel");
    assertThat(text.indexOf("1.1")).isLessThan(text.indexOf("2.1"));
    assertThat(text.indexOf("2.1")).isLessThan(text.indexOf("2.2"));

    JsonNode json = JsonMapper.builder().build().readTree(first.toJson());
    assertThat(json.get("token").asString()).isEqualTo("c1/b@7");
    List<String> ids =
        json.get("stages")
            .valueStream()
            .flatMap(s -> s.get("steps").valueStream())
            .map(s -> s.get("id").asString())
            .toList();
    assertThat(ids).containsExactlyElementsOf(rb.ids());
    JsonNode c = json.get("stages").get(1).get("steps").get(1);
    assertThat(c.get("before").asString()).isEqualTo("old");
    assertThat(c.get("after").asString()).isEqualTo("new");
    assertThat(c.get("safeToRepeat").asBoolean()).isFalse();
  }
}
