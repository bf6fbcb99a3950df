package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.core.runbook.report.ReportText;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.sim.peer.Bind9Peer;
import io.tandem.testkit.Bind9;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordingStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17.2, decision → first step: a standby's first takeover must not be the first time its
 * process runs the activation path. Measured from outside (scripts/bench-failover, session 9) a
 * fresh agent's first run spent 50–140 ms between the decision and its first step loading and
 * initialising that code (70–320 classes, the runbook thread itself, the journal's JSON), against
 * 5–20 ms for an agent that had run it once; in every site loss and PBX crash the standby is such a
 * fresh process (the bench restarts the failed site, which is the next takeover's standby).
 *
 * <p>Design bound, on the assembly {@code tandem agent} builds: before the fault the agent has
 * rehearsed its activation path (it changed nothing anyone sees: no run, no journal), its runbook
 * thread is running, and between the decision and the first step that thread loads no class. The
 * class loads are recorded with JDK Flight Recorder ({@code jdk.ClassLoad}, by thread), so the
 * bound holds on the path the real failover takes, not on a copy of it.
 */
@Bind9
class ActivationRehearsalTest {

  @TempDir Path dir;
  LoopbackCluster cluster;
  Map<String, String> tsig;

  @BeforeEach
  void setUp(Bind9Peer bind) throws Exception {
    cluster = new LoopbackCluster(dir, "rehearsal", List.of("alpha", "beta"));
    cluster.writeConfig(LoopbackCluster.twoAsteriskSites("rehearsal", bind, cluster.witnessPort()));
    tsig = Map.of("TSIG_SECRET", bind.tsigSecret());
  }

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  record Load(String thread, Instant at, String type) {}

  @Test
  void aStandbysFirstTakeoverFindsItsActivationPathRunOnceAndLoadsNoClassBeforeItsFirstStep()
      throws Exception {
    AgentAssembly alpha = cluster.start("alpha", tsig);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                "alpha".equals(alpha.runtime().status().activeSite())
                    && alpha.runtime().runs().stream().anyMatch(r -> r.endedAt() != null));
    AgentAssembly beta = cluster.start("beta", tsig);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> beta.driver().peerReports().containsKey("alpha"));
    await().atMost(Duration.ofSeconds(30)).until(() -> beta.rehearsal().isDone());
    // before the fault (the checks are reported together at the end)
    boolean rehearsed = beta.rehearsal().join();
    boolean threadReady = runbookThreadAlive("beta");
    List<String> journalsAfterRehearsal = files(dir.resolve("beta").resolve("journal"));
    int runsSeenBeforeFault = beta.runtime().runs().size();

    List<Load> loads = new CopyOnWriteArrayList<>();
    AtomicReference<Instant> flushed = new AtomicReference<>(Instant.MIN);
    RunReport r;
    try (RecordingStream rs = new RecordingStream()) {
      rs.enable("jdk.ClassLoad").withThreshold(Duration.ZERO);
      rs.onEvent(
          "jdk.ClassLoad",
          e -> {
            String thread = e.getThread() == null ? "" : e.getThread().getJavaName();
            if (thread != null && thread.startsWith("tandem-runbook-")) {
              loads.add(new Load(thread, e.getStartTime(), e.getClass("loadedClass").getName()));
            }
          });
      rs.onFlush(() -> flushed.set(Instant.now()));
      rs.startAsync();
      cluster.kill("alpha");
      r = DecisionToFirstStepTest.finishedRun(beta, "FAILOVER");
      Instant ended = Instant.now();
      // JFR hands events over at its flushes (about once a second): wait for one after the run
      await().atMost(Duration.ofSeconds(10)).until(() -> flushed.get().isAfter(ended));
    }
    assertThat(r.outcome()).as(ReportText.render(r)).isEqualTo("SUCCEEDED");
    Instant decided = r.startedAt().minusMillis(Objects.requireNonNull(r.rto().decisionMillis()));
    Instant firstStep =
        r.steps().stream()
            .map(RunReport.StepReport::startedAt)
            .filter(Objects::nonNull)
            .min(Comparator.naturalOrder())
            .orElseThrow();
    // the report's decision time is cut to the millisecond: the window opens a millisecond early
    List<String> loadedInWindow =
        loads.stream()
            .filter(l -> l.thread().equals("tandem-runbook-beta"))
            .filter(l -> !l.at().isBefore(decided.minusMillis(1)) && !l.at().isAfter(firstStep))
            .map(Load::type)
            .toList();

    SoftAssertions.assertSoftly(
        s -> {
          s.assertThat(rehearsed).as("beta rehearsed its activation path whole at start").isTrue();
          s.assertThat(threadReady)
              .as("beta's runbook thread was running before the fault")
              .isTrue();
          s.assertThat(journalsAfterRehearsal)
              .as("the rehearsal left no journal in beta's journal directory")
              .isEmpty();
          s.assertThat(runsSeenBeforeFault).as("runs beta listed before the fault").isZero();
          s.assertThat(loadedInWindow)
              .as(
                  "classes beta's runbook thread loaded between the decision (%s) and the first"
                      + " step (%s)",
                  decided, firstStep)
              .isEmpty();
        });
  }

  private static boolean runbookThreadAlive(String site) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("tandem-runbook-" + site) && t.isAlive());
  }

  private static List<String> files(Path dir) throws java.io.IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList();
    }
  }
}
