package io.tandem.core.runbook;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.tandem.core.error.ConflictException;
import io.tandem.core.error.TransientException;
import io.tandem.core.runbook.journal.JournalRecord;
import io.tandem.core.runbook.journal.RecordType;
import io.tandem.core.runbook.report.RunReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineBehaviourTest {

  @TempDir Path dir;
  EngineFixture fx;
  FakeWorld world;
  ExecutorService pool;

  @BeforeEach
  void setUp() {
    fx = new EngineFixture(dir);
    world = new FakeWorld();
    pool = Executors.newCachedThreadPool();
  }

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
  }

  static Runbook runbook(List<Stage> stages) {
    return new Runbook("test", RunKind.CUSTOM, stages);
  }

  static Stage stage(String name, Step... steps) {
    return Stage.of(name, StageKind.SWITCH, List.of(steps));
  }

  RunReport run(RunbookEngine engine, Runbook rb) {
    return engine.run(rb, RunRequest.planned("run-1", EngineFixture.TOKEN));
  }

  static RunReport.StepReport step(RunReport r, String id) {
    return r.steps().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void transientFailuresAreRetriedWithBackoffUntilTheStepSucceeds() {
    FakeStep a =
        FakeStep.safe("a", world, "new").failApplyWith(() -> new TransientException("503"), 2);
    RunReport r = run(fx.engine().build(), runbook(List.of(stage("s", a))));
    assertThat(r.outcome()).isEqualTo("SUCCEEDED");
    assertThat(a.applyCalls).hasValue(3);
    assertThat(step(r, "a").applyAttempts()).isEqualTo(3);
    assertThat(world.get("a")).isEqualTo("new");
  }

  @Test
  void retriesStopAtMaxAttemptsAndTheRunFails() {
    FakeStep a =
        FakeStep.safe("a", world, "new").failApplyWith(() -> new TransientException("503"), 10);
    FakeStep b = FakeStep.safe("b", world, "new");
    RunReport r = run(fx.engine().build(), runbook(List.of(stage("s1", a), stage("s2", b))));
    assertThat(r.outcome()).isEqualTo("FAILED");
    assertThat(a.applyCalls).hasValue(FakeStep.FAST.maxAttempts());
    assertThat(step(r, "a").detail()).contains("TRANSIENT").contains("503");
    assertThat(step(r, "b").status()).isEqualTo("SKIPPED");
    assertThat(b.applyCalls).hasValue(0);
  }

  @Test
  void nonTransientFailuresAreNotRetried() {
    FakeStep a =
        FakeStep.safe("a", world, "new")
            .failApplyWith(() -> new ConflictException("etag changed"), 1);
    RunReport r = run(fx.engine().build(), runbook(List.of(stage("s", a))));
    assertThat(r.outcome()).isEqualTo("FAILED");
    assertThat(a.applyCalls).hasValue(1);
    assertThat(r.failures())
        .singleElement()
        .satisfies(f -> assertThat(f.reason()).contains("CONFLICT").contains("re-observe"));
  }

  @Test
  void applyOfAStepThatIsNotSafeToRepeatIsNeverRetried() {
    FakeStep a =
        FakeStep.unsafe("a", world, "new")
            .failApplyWith(() -> new TransientException("timeout"), 1);
    RunReport r = run(fx.engine().build(), runbook(List.of(stage("s", a))));
    assertThat(r.outcome()).isEqualTo("FAILED");
    assertThat(a.applyCalls).hasValue(1);
  }

  @Test
  void circuitBreakerOpensPerProviderAndStopsCallingIt() {
    CircuitBreakerRegistry breakers =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.from(RunbookEngine.defaultBreakerConfig(fx.clock))
                .slidingWindowSize(4)
                .minimumNumberOfCalls(4)
                .waitDurationInOpenState(Duration.ofSeconds(30))
                .build());
    RunbookEngine engine = fx.engine().circuitBreakers(breakers).build();
    FakeStep flaky =
        FakeStep.safe("a", world, "new")
            .withSpec(StepSpec.of("a", "flaky", "flaky-cloud", FakeStep.FAST).withBestEffort(true))
            .failApplyWith(() -> new TransientException("503"), 100);
    FakeStep sameProvider =
        FakeStep.safe("b", world, "new")
            .withSpec(StepSpec.of("b", "same provider", "flaky-cloud", FakeStep.FAST));
    FakeStep otherProvider = FakeStep.safe("c", world, "new");
    RunReport r =
        run(engine, runbook(List.of(stage("s1", flaky), stage("s2", sameProvider, otherProvider))));

    assertThat(breakers.circuitBreaker("flaky-cloud").getState())
        .isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(step(r, "a").status()).isEqualTo("BEST_EFFORT_FAILED");
    assertThat(step(r, "b").status()).isEqualTo("FAILED");
    assertThat(step(r, "b").detail())
        .contains("circuit breaker for provider 'flaky-cloud' is open");
    assertThat(sameProvider.observeCalls).hasValue(0);
    assertThat(step(r, "c").status()).isEqualTo("VERIFIED");

    // After the open period (on the injected clock) the breaker lets calls through again.
    fx.clock.advance(Duration.ofSeconds(31));
    FakeStep later =
        FakeStep.safe("d", world, "new")
            .withSpec(StepSpec.of("d", "later", "flaky-cloud", FakeStep.FAST));
    RunReport r2 =
        engine.run(
            runbook(List.of(stage("s", later))), RunRequest.planned("run-2", EngineFixture.TOKEN));
    assertThat(r2.outcome()).isEqualTo("SUCCEEDED");
  }

  @Test
  void epochChangeMidRunStopsTheRunBeforeTheNextApply() {
    FakeStep a = FakeStep.safe("a", world, "new");
    a.duringApply = () -> fx.heldEpoch.set(8); // the witness moved the ticket on
    FakeStep b = FakeStep.safe("b", world, "new");
    FakeStep c = FakeStep.safe("c", world, "new");
    RunReport r =
        run(fx.engine().build(), runbook(List.of(stage("s1", a), stage("s2", b), stage("s3", c))));
    assertThat(r.outcome()).isEqualTo("FENCED");
    assertThat(r.reason()).contains("ticket lost").contains("epoch 7").contains("step b");
    assertThat(b.applyCalls).hasValue(0);
    assertThat(c.observeCalls).hasValue(0);
    assertThat(step(r, "b").status()).isEqualTo("FENCED");
    assertThat(step(r, "c").status()).isEqualTo("SKIPPED");
  }

  @Test
  void stepsOfAStageRunInParallel() {
    CyclicBarrier bothInside = new CyclicBarrier(2);
    Runnable meet =
        () -> {
          try {
            bothInside.await(5, TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new TransientException("the other step did not run in parallel");
          }
        };
    FakeStep a = FakeStep.safe("a", world, "new");
    FakeStep b = FakeStep.safe("b", world, "new");
    a.duringApply = meet;
    b.duringApply = meet;
    RunReport r = run(fx.engine().executor(pool).build(), runbook(List.of(stage("s", a, b))));
    assertThat(r.outcome()).isEqualTo("SUCCEEDED");
    assertThat(a.applyCalls).hasValue(1);
  }

  @Test
  void aHangingBestEffortFenceIsCutAtItsTimeoutAndTheRunGoesOn() {
    CountDownLatch never = new CountDownLatch(1);
    FakeStep fence =
        FakeStep.safe("fence", world, "fenced")
            .withSpec(
                new StepSpec(
                    "fence",
                    "fence old",
                    "ec2",
                    true,
                    true,
                    FakeStep.FAST.withTimeout(Duration.ofMillis(300))));
    fence.duringApply =
        () -> {
          try {
            never.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientException("interrupted");
          }
        };
    FakeStep move = FakeStep.safe("move", world, "new");
    RunReport r =
        run(
            fx.engine().executor(pool).build(),
            runbook(
                List.of(
                    Stage.of("fence", StageKind.FENCE, List.of(fence)), stage("switch", move))));
    assertThat(r.outcome()).isEqualTo("SUCCEEDED");
    assertThat(step(r, "fence").status()).isEqualTo("BEST_EFFORT_FAILED");
    assertThat(step(r, "fence").detail()).contains("timed out after PT0.3S");
    assertThat(world.get("move")).isEqualTo("new");
  }

  @Test
  void abortStopsAtTheNextStepBoundary() {
    RunbookEngine engine = fx.engine().build();
    FakeStep a = FakeStep.safe("a", world, "new");
    a.duringApply = () -> assertThat(engine.abort("run-1", "alice", "wrong site")).isTrue();
    FakeStep b = FakeStep.safe("b", world, "new");
    RunReport r = run(engine, runbook(List.of(stage("s1", a), stage("s2", b))));
    assertThat(r.outcome()).isEqualTo("ABORTED");
    assertThat(r.reason()).contains("alice").contains("wrong site");
    assertThat(step(r, "a").status()).isEqualTo("VERIFIED"); // the running step finished
    assertThat(b.observeCalls).hasValue(0);
    List<JournalRecord> records = fx.journals.open("run-1").records();
    assertThat(records).extracting(JournalRecord::type).contains(RecordType.ABORT_REQUESTED);
    assertThat(engine.abort("run-1", "alice", "again")).isFalse();
  }

  @Test
  void failedRunsNotifyAndDrillsNeverAlarm() {
    List<Notice> notices = new java.util.concurrent.CopyOnWriteArrayList<>();
    RunbookEngine engine = fx.engine().notifier(notices::add).build();
    FakeStep a =
        FakeStep.safe("a", world, "new").failApplyWith(() -> new ConflictException("x"), 2);
    engine.run(runbook(List.of(stage("s", a))), RunRequest.planned("real", EngineFixture.TOKEN));
    engine.run(
        runbook(List.of(stage("s", a))),
        RunRequest.planned("drill", EngineFixture.TOKEN).asDrill());
    assertThat(notices)
        .extracting(Notice::severity)
        .containsExactly(Notice.Severity.ALARM, Notice.Severity.WARNING);
    assertThat(notices.get(1).drill()).isTrue();
    assertThat(notices.get(1).subject()).startsWith("[drill]");
  }

  @Test
  void alreadyDoneStepsAreVerifiedWithoutApplying() {
    world.set("a", "new");
    FakeStep a = FakeStep.unsafe("a", world, "new");
    RunReport r = run(fx.engine().build(), runbook(List.of(stage("s", a))));
    assertThat(r.outcome()).isEqualTo("SUCCEEDED");
    assertThat(step(r, "a").status()).isEqualTo("ALREADY_DONE");
    assertThat(a.applyCalls).hasValue(0);
    assertThat(r.changes()).isEmpty();
  }
}
