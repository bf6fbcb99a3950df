package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.api.RunView;
import io.tandem.core.runbook.journal.Journal;
import io.tandem.core.runbook.journal.RecordType;
import io.tandem.core.runbook.report.ReportText;
import io.tandem.core.runbook.report.RunReport;
import io.tandem.sim.peer.Bind9Peer;
import io.tandem.testkit.Bind9;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issues 12.3 and 12.5, through the agent as {@code tandem agent} runs it and a real BIND: alpha
 * activated under epoch 1 and died mid-run (its journal ends after the DNS step), beta took over
 * under epoch 2 and moved the record back, then died too; one of alpha's old journals also has a
 * flipped byte. When alpha comes back under epoch 3 the damaged journal is quarantined with an
 * alarm and an audit entry, the epoch-1 run is closed as superseded instead of being resumed, and a
 * fresh run moves the record to alpha again.
 */
@Bind9
class ActivationRecoveryTest {

  @TempDir Path dir;
  LoopbackCluster cluster;
  Bind9Peer bind;
  String record;

  @BeforeEach
  void setUp(Bind9Peer peer) throws Exception {
    bind = peer;
    record = "sip." + peer.zone();
    cluster = new LoopbackCluster(dir, "pbx-recover", List.of("alpha", "beta"));
    cluster.writeConfig(
        """
        cluster: pbx-recover
        sites:
          - name: alpha
            kind: onprem
            priority: 1
            managementAddress: {mgmt:alpha}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:alpha}, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
          - name: beta
            kind: onprem
            priority: 2
            managementAddress: {mgmt:beta}
            pbx: { type: asterisk, host: 127.0.0.1, port: {ami:beta}, user: tandem, secret: "${env:AMI_SECRET}" }
            sensors:
              - { name: ami, kind: ami-ping, critical: true, interval: 1s, timeout: 900ms, rise: 1 }
        dns:
          - provider: rfc2136
            zone: %1$s
            name: sip.%1$s
            type: A
            ttl: 5
            values: { alpha: 127.0.0.11, beta: 127.0.0.12 }
            rfc2136:
              server: 127.0.0.1
              port: %2$d
              tsigKeyName: %3$s
              tsigAlgorithm: %4$s
              tsigSecret: "${env:TSIG_SECRET}"
        witness:
          kind: builtin
          endpoints: [ "{witness}" ]
          siteSecrets: { alpha: "${env:WITNESS_SECRET}", beta: "${env:WITNESS_SECRET}" }
        notifications:
          webhook: { url: "{hook}", secret: "${env:HOOK_SECRET}" }
        timings: { tick: 500ms, ticketTtl: 6s, retryTimeout: 1s, witnessGrace: 1s, driftMargin: 200ms }
        """
            .formatted(peer.zone(), peer.port(), peer.tsigKeyName(), peer.tsigAlgorithm()));
  }

  @AfterEach
  void tearDown() throws Exception {
    cluster.close();
  }

  Map<String, String> secrets() {
    return Map.of("TSIG_SECRET", bind.tsigSecret());
  }

  String dns() throws Exception {
    return TwoAgentFailoverTest.lookup(bind, record);
  }

  static RunView ended(AgentAssembly agent, String prefix) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                agent.runtime().runs().stream()
                    .anyMatch(r -> r.id().startsWith(prefix) && r.endedAt() != null));
    return agent.runtime().runs().stream()
        .filter(r -> r.id().startsWith(prefix) && r.endedAt() != null)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aStaleUnfinishedRunIsSupersededADamagedJournalQuarantinedAndAFreshRunRestoresService()
      throws Exception {
    AgentAssembly alpha = cluster.start("alpha", secrets());
    await().atMost(Duration.ofSeconds(60)).until(() -> dns().equals("127.0.0.11"));
    RunView first = ended(alpha, "");
    cluster.kill("alpha");

    // alpha's process died right after its DNS step: the journal ends there (a prefix of the real
    // one), and an older journal beside it has one flipped byte
    Path journals = dir.resolve("alpha").resolve("journal");
    Path firstJournal = journals.resolve(first.id() + ".journal");
    Files.copy(firstJournal, journals.resolve("old-run.journal"));
    flipAByteInTheFirstRecord(journals.resolve("old-run.journal"));
    cutAfterStep(firstJournal, "dns:" + record + "/A");

    AgentAssembly beta = cluster.start("beta", secrets());
    await().atMost(Duration.ofSeconds(60)).until(() -> dns().equals("127.0.0.12"));
    ended(beta, "");
    cluster.kill("beta");

    AgentAssembly back = cluster.start("alpha", secrets());
    await()
        .atMost(Duration.ofSeconds(60))
        .alias("a fresh run under the new epoch moves the record back to alpha")
        .until(() -> dns().equals("127.0.0.11"));

    RunView superseded = ended(back, first.id());
    RunReport old = (RunReport) back.runtime().report(superseded.id(), true).orElseThrow();
    assertThat(old.outcome()).as(ReportText.render(old)).isEqualTo("SUPERSEDED");
    assertThat(old.reason()).startsWith("superseded: started under epoch 1, now epoch 3; ");
    RunReport fresh =
        back.runtime().runs().stream()
            .filter(r -> r.endedAt() != null && !r.id().equals(first.id()))
            .map(r -> (RunReport) back.runtime().report(r.id(), true).orElseThrow())
            .filter(r -> r.epoch() == 3)
            .findFirst()
            .orElseThrow();
    assertThat(fresh.outcome()).as(ReportText.render(fresh)).isEqualTo("SUCCEEDED");
    assertThat(fresh.changes())
        .anySatisfy(c -> assertThat(c.after()).isEqualTo("127.0.0.11 ttl 5"));

    assertThat(journals.resolve("old-run.journal")).doesNotExist();
    try (Stream<Path> q = Files.list(journals.resolve("quarantine"))) {
      assertThat(q.map(p -> p.getFileName().toString()))
          .anySatisfy(n -> assertThat(n).startsWith("old-run.").endsWith(".journal"))
          .anySatisfy(n -> assertThat(n).startsWith("old-run.").endsWith(".why"));
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                cluster.notifications.stream()
                    .anyMatch(
                        n ->
                            n.contains("critical")
                                && n.contains("Damaged run journal quarantined on site alpha")));
    assertThat(Files.readString(dir.resolve("alpha").resolve("audit.jsonl")))
        .contains("\"action\":\"journal-quarantine\"", "\"target\":\"old-run\"");
  }

  static void flipAByteInTheFirstRecord(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    bytes[20] = (byte) (bytes[20] ^ 0x01);
    Files.write(file, bytes);
  }

  /** Keeps the journal up to and including the result of {@code step}, as a crash would. */
  static void cutAfterStep(Path file, String step) throws Exception {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    int keep = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("\"type\":\"" + RecordType.STEP_RESULT + "\"")
          && lines.get(i).contains("\"step\":\"" + step + "\"")) {
        keep = i + 1;
      }
    }
    assertThat(keep).as("the journal has a result for " + step).isPositive();
    Files.write(file, (String.join("\n", lines.subList(0, keep)) + "\n").getBytes());
    assertThat(Journal.read(file).getLast().type()).isEqualTo(RecordType.STEP_RESULT);
  }
}
