package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.core.runbook.Gate;
import io.tandem.core.runbook.Observation;
import io.tandem.core.runbook.RunKind;
import io.tandem.core.runbook.RunRequest;
import io.tandem.core.runbook.Runbook;
import io.tandem.core.runbook.Stage;
import io.tandem.core.runbook.StageKind;
import io.tandem.core.runbook.Step;
import io.tandem.core.runbook.StepContext;
import io.tandem.core.runbook.StepPolicy;
import io.tandem.core.runbook.StepSpec;
import io.tandem.core.runbook.Verification;
import io.tandem.core.runbook.report.ReportText;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.core.witness.FencingToken;
import io.tandem.sim.peer.Bind9Peer;
import io.tandem.testkit.Bind9;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12.6 through the assembly {@code tandem agent} builds: its runbook engine asks the agent's
 * own {@code TicketHolder} (renewed against the built-in witness over HTTP) before and during every
 * apply. An apply that outlives the time the ticket has left is cut off and the run stops FENCED;
 * when the agent fences itself (the witness is gone), a run that is still going is cancelled at
 * once. The engine's unit tests ({@code EngineTicketTest}) use a guard of their own; these prove
 * the agent wires the real one in.
 */
@Bind9
class TicketBoundRunTest {

  /** The cluster's ticket TTL; the bounds below are this plus a stated allowance for load. */
  static final Duration TTL = Duration.ofSeconds(6);

  static final Duration ALLOWANCE = Duration.ofSeconds(4);

  @TempDir Path dir;
  LoopbackCluster cluster;
  Bind9Peer bind;

  @BeforeEach
  void setUp(Bind9Peer peer) throws Exception {
    bind = peer;
    String record = "bound" + System.nanoTime() + "." + peer.zone();
    cluster = new LoopbackCluster(dir, "pbx-bound", List.of("alpha", "beta"));
    cluster.writeConfig(
        """
        cluster: pbx-bound
        sites:
          - name: alpha
            kind: onprem
            priority: 1
            managementAddress: {mgmt:alpha}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:alpha}, user: tandem, secret: "${env:AMI_SECRET}" }
          - name: beta
            kind: onprem
            priority: 2
            managementAddress: {mgmt:beta}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:beta}, user: tandem, secret: "${env:AMI_SECRET}" }
        dns:
          - provider: rfc2136
            zone: %s
            name: %s
            type: A
            ttl: 5
            values: { alpha: 127.0.0.11, beta: 127.0.0.12 }
            rfc2136:
              server: 127.0.0.1
              port: %d
              tsigKeyName: %s
              tsigAlgorithm: %s
              tsigSecret: "${env:TSIG_SECRET}"
        witness:
          kind: builtin
          endpoints: [ "{witness}" ]
          siteSecrets: { alpha: "${env:WITNESS_SECRET}", beta: "${env:WITNESS_SECRET}" }
        timings: { tick: 500ms, ticketTtl: %ds, retryTimeout: 1s, witnessGrace: 1s, driftMargin: 200ms }
        """
            .formatted(
                peer.zone(),
                record,
                peer.port(),
                peer.tsigKeyName(),
                peer.tsigAlgorithm(),
                TTL.toSeconds()));
  }

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  /** Alpha alone, active, its own activation run finished. */
  AgentAssembly activeAlpha() {
    AgentAssembly alpha = cluster.start("alpha", Map.of("TSIG_SECRET", bind.tsigSecret()));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                "alpha".equals(alpha.runtime().status().activeSite())
                    && alpha.runtime().runs().stream().anyMatch(r -> r.endedAt() != null));
    return alpha;
  }

  static Runbook oneStage(Stage... stages) {
    return new Runbook("bound", RunKind.CUSTOM, List.of(stages));
  }

  /**
   * The bound follows the ticket as alpha renews it: an apply longer than the whole TTL (a VIP
   * move's ARP probes outlast a 2 s ticket) runs to its end while alpha keeps the ticket. With the
   * bound fixed at the time left when the apply started, every VIP cluster on the shipped timings
   * flapped (bench-failover, issue 17.5). An apply is still cut off when the ticket lapses: {@code
   * EngineTicketTest} and the self-fence test below.
   */
  @Test
  void anApplyLongerThanTheTicketRunsOnWhileTheSiteKeepsItsTicket() throws Exception {
    AgentAssembly alpha = activeAlpha();
    FencingToken token = alpha.driver().holder().token().orElseThrow();
    HangingStep slow = new HangingStep("slow:apply");

    CompletableFuture<RunReport> run =
        CompletableFuture.supplyAsync(
            () ->
                alpha
                    .engine()
                    .run(
                        oneStage(Stage.of("switch", StageKind.SWITCH, List.of(slow))),
                        RunRequest.planned("bound-apply", token)));
    await().atMost(Duration.ofSeconds(30)).until(() -> slow.applied.get() > 0);
    long applying = System.nanoTime();
    // longer than the whole ticket, let alone the time it had left when the apply started
    await()
        .atMost(TTL.plus(ALLOWANCE).plusSeconds(30))
        .until(() -> System.nanoTime() - applying > TTL.plusSeconds(1).toNanos());
    assertThat(run).as("still applying after a whole TTL").isNotDone();
    slow.release.countDown();
    RunReport r = run.get(30, TimeUnit.SECONDS);

    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    assertThat(r.steps().getFirst().status()).isEqualTo("VERIFIED");
    assertThat(slow.interrupted).as("the apply's thread was not interrupted").isFalse();
    assertThat(alpha.driver().holder().token()).isPresent();
  }

  @Test
  void aSelfFenceCancelsARunThatIsStillGoing() throws Exception {
    AgentAssembly alpha = activeAlpha();
    FencingToken token = alpha.driver().holder().token().orElseThrow();
    HangingStep after = new HangingStep("after-gate");
    CompletableFuture<RunReport> run =
        CompletableFuture.supplyAsync(
            () ->
                alpha
                    .engine()
                    .run(
                        oneStage(
                            Stage.gate(
                                Gate.of(
                                    "approve",
                                    "wait for an operator",
                                    Duration.ofMinutes(5),
                                    Gate.TimeoutPolicy.ABORT)),
                            Stage.of("switch", StageKind.SWITCH, List.of(after))),
                        RunRequest.planned("bound-gate", token)));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> alpha.engine().executing().contains("bound-gate"));

    // the witness goes away: alpha cannot renew, no peer covers it, so it fences itself
    long stopped = System.nanoTime();
    cluster.stopWitness();
    RunReport r = run.get(TTL.plus(ALLOWANCE).toSeconds() + 30, TimeUnit.SECONDS);
    long tookMillis = (System.nanoTime() - stopped) / 1_000_000;

    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("FENCED");
    assertThat(r.reason()).contains("fencing");
    assertThat(after.applied.get()).as("no step started after the fence").isZero();
    // within the ticket's life (the gate alone would have waited five minutes)
    assertThat(tookMillis).isLessThan(TTL.plus(ALLOWANCE).toMillis());
  }

  /** A step whose apply blocks until released or until its thread is interrupted. */
  static final class HangingStep implements Step {
    final StepSpec spec;
    final AtomicLong applied = new AtomicLong();
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean interrupted;

    HangingStep(String id) {
      this.spec =
          new StepSpec(
              id,
              "Hang in apply",
              "test-hang",
              false,
              false,
              StepPolicy.defaults()
                  .withTimeout(Duration.ofMinutes(1))
                  .withRetry(1, Duration.ofMillis(500)));
    }

    @Override
    public StepSpec spec() {
      return spec;
    }

    @Override
    public Observation observe(StepContext context) {
      return Observation.change("hang", "before", "after");
    }

    @Override
    public String apply(Observation observed, StepContext context) {
      applied.incrementAndGet();
      try {
        release.await(); // until released or interrupted
        return "after";
      } catch (InterruptedException e) {
        interrupted = true;
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted in apply");
      }
    }

    @Override
    public Verification verify(StepContext context) {
      return Verification.ok("after");
    }
  }
}
