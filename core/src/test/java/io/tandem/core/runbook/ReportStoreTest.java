package io.tandem.core.runbook;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.runbook.report.ReportStore;
import io.tandem.core.runbook.report.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportStoreTest {

  @TempDir Path dir;

  @Test
  void everyRunIsStoredAsJsonAndTextAndRetentionKeepsTheNewest() throws Exception {
    EngineFixture fx = new EngineFixture(dir);
    ReportStore store =
        new ReportStore(
            dir.resolve("reports"), fx.clock, new ReportStore.Retention(3, Duration.ofDays(30)));
    RunbookEngine engine = fx.engine().reports(store).build();
    FakeWorld world = new FakeWorld();
    for (int i = 1; i <= 5; i++) {
      world.set("a", "old");
      Runbook rb =
          new Runbook(
              "r",
              RunKind.CUSTOM,
              List.of(Stage.of("s", StageKind.SWITCH, List.of(FakeStep.safe("a", world, "new")))));
      engine.run(rb, RunRequest.planned("run-" + i, EngineFixture.TOKEN));
      fx.clock.advance(Duration.ofDays(1));
    }
    assertThat(store.runIds()).containsExactly("run-5", "run-4", "run-3");
    RunReport back = store.load("run-5").orElseThrow();
    assertThat(back.outcome()).isEqualTo("SUCCEEDED");
    assertThat(back.changes())
        .singleElement()
        .satisfies(c -> assertThat(c.before()).isEqualTo("old"));
    try (var files = Files.list(dir.resolve("reports"))) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".txt")).count())
          .isEqualTo(3);
    }

    // Age: after 40 more days every stored report is older than 30 days.
    fx.clock.advance(Duration.ofDays(40));
    assertThat(store.prune()).isEqualTo(3);
    assertThat(store.runIds()).isEmpty();
  }
}
