package io.tandem.core.runbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.core.runbook.report.RunReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GateTest {

  @TempDir Path dir;
  EngineFixture fx;
  FakeWorld world;
  ApprovalDesk desk;
  AtomicInteger waits;
  GateKeeper counting;
  ExecutorService runner;

  @BeforeEach
  void setUp() {
    fx = new EngineFixture(dir);
    world = new FakeWorld();
    desk = new ApprovalDesk();
    waits = new AtomicInteger();
    counting =
        new GateKeeper() {
          @Override
          public Optional<GateDecision> await(String runId, Gate gate, Duration maxWait)
              throws InterruptedException {
            waits.incrementAndGet();
            return desk.await(runId, gate, maxWait);
          }

          @Override
          public void abandon(String runId, String reason) {
            desk.abandon(runId, reason);
          }
        };
    runner = Executors.newSingleThreadExecutor();
  }

  @AfterEach
  void tearDown() {
    runner.shutdownNow();
  }

  Runbook gated(Gate.TimeoutPolicy policy, Duration timeout, FakeStep after) {
    return new Runbook(
        "gated",
        RunKind.SWITCHOVER,
        List.of(
            Stage.gate(Gate.of("approve", "Switch c1 to site b?", timeout, policy)),
            Stage.of("switch", StageKind.SWITCH, List.of(after))));
  }

  RunReport run(Runbook rb) {
    return fx.engine()
        .gateKeeper(counting)
        .build()
        .run(rb, RunRequest.planned("run-1", EngineFixture.TOKEN));
  }

  @Test
  void approvalGivenBeforeTheGateLetsTheRunThrough() {
    desk.approve("run-1", "approve", "alice", "go");
    FakeStep step = FakeStep.safe("a", world, "new");
    RunReport r = run(gated(Gate.TimeoutPolicy.ABORT, Duration.ofSeconds(5), step));
    assertThat(r.outcome()).isEqualTo("SUCCEEDED");
    assertThat(r.timeline())
        .anySatisfy(e -> assertThat(e.event()).isEqualTo("gate approve: approved by alice (go)"));
  }

  @Test
  void timeoutWithProceedPolicyContinues() {
    FakeStep step = FakeStep.safe("a", world, "new");
    RunReport r = run(gated(Gate.TimeoutPolicy.PROCEED, Duration.ofMillis(50), step));
    assertThat(r.outcome()).isEqualTo("SUCCEEDED");
    assertThat(step.applyCalls).hasValue(1);
    assertThat(r.timeline())
        .anySatisfy(e -> assertThat(e.event()).contains("approved by timeout-policy"));
  }

  @Test
  void timeoutWithAbortPolicyAbortsBeforeAnyChange() {
    FakeStep step = FakeStep.safe("a", world, "new");
    RunReport r = run(gated(Gate.TimeoutPolicy.ABORT, Duration.ofMillis(50), step));
    assertThat(r.outcome()).isEqualTo("ABORTED");
    assertThat(r.reason()).contains("gate approve rejected by timeout-policy");
    assertThat(step.observeCalls).hasValue(0);
  }

  @Test
  void keepWaitingPolicyWaitsAgainUntilSomeoneDecides() {
    FakeStep step = FakeStep.safe("a", world, "new");
    CompletableFuture<RunReport> report =
        CompletableFuture.supplyAsync(
            () -> run(gated(Gate.TimeoutPolicy.KEEP_WAITING, Duration.ofMillis(30), step)), runner);
    await().atMost(10, TimeUnit.SECONDS).until(() -> waits.get() >= 3);
    assertThat(report).isNotDone();
    desk.approve("run-1", "approve", "bob", "");
    RunReport r = report.join();
    assertThat(r.outcome()).isEqualTo("SUCCEEDED");
    assertThat(
            r.timeline().stream()
                .filter(e -> e.event().startsWith("gate approve: waiting"))
                .count())
        .isGreaterThanOrEqualTo(3);
  }

  @Test
  void rejectionAbortsTheRun() {
    desk.reject("run-1", "approve", "carol", "not during business hours");
    FakeStep step = FakeStep.safe("a", world, "new");
    RunReport r = run(gated(Gate.TimeoutPolicy.PROCEED, Duration.ofSeconds(5), step));
    assertThat(r.outcome()).isEqualTo("ABORTED");
    assertThat(r.reason()).contains("carol").contains("not during business hours");
    assertThat(step.observeCalls).hasValue(0);
  }

  @Test
  void abortReleasesARunWaitingAtAGate() {
    RunbookEngine engine = fx.engine().gateKeeper(counting).build();
    FakeStep step = FakeStep.safe("a", world, "new");
    CompletableFuture<RunReport> report =
        CompletableFuture.supplyAsync(
            () ->
                engine.run(
                    gated(Gate.TimeoutPolicy.KEEP_WAITING, Duration.ofSeconds(30), step),
                    RunRequest.planned("run-1", EngineFixture.TOKEN)),
            runner);
    await().atMost(10, TimeUnit.SECONDS).until(() -> desk.waiting().contains("run-1/approve"));
    assertThat(engine.abort("run-1", "dave", "maintenance cancelled")).isTrue();
    RunReport r = report.join();
    assertThat(r.outcome()).isEqualTo("ABORTED");
    assertThat(r.reason()).contains("dave");
    assertThat(step.observeCalls).hasValue(0);
  }
}
