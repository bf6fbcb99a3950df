package io.tandem.app.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.core.agent.effects.Activation;
import io.tandem.core.agent.effects.ActivationCause;
import io.tandem.core.agent.effects.ActivationResult;
import io.tandem.sim.peer.Bind9Peer;
import io.tandem.testkit.Bind9;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12.4: with the data directory full (a 1 MiB tmpfs the test mounts and fills), the run
 * cannot write its journal. The activation must still complete — FAILED, with the reason in words —
 * so that the agent core can retry and step down, and the failure must be an alarm (notification,
 * the run list), never an exception lost on the runbook thread. End to end: the holder that cannot
 * do its job retries, then releases the ticket, and the healthy peer takes the service (DNS on a
 * real BIND, watched from outside).
 */
@Bind9
class FullDataDiskTest {

  @TempDir Path dir;
  LoopbackCluster cluster;
  Path disk;

  @BeforeEach
  void setUp() throws Exception {
    disk = SmallDisk.mount(dir.resolve("alpha"), "1m");
    cluster = new LoopbackCluster(dir, "pbx-full", List.of("alpha", "beta"));
    int nobody = LoopbackCluster.freePort();
    cluster.writeConfig(
        """
        cluster: pbx-full
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
        dns:
          - provider: rfc2136
            zone: full.test.
            name: sip.full.test.
            type: A
            values: { alpha: 127.0.0.11, beta: 127.0.0.12 }
            rfc2136:
              server: 127.0.0.1
              port: %d
              tsigKeyName: k
              tsigAlgorithm: hmac-sha256
              tsigSecret: "${env:TSIG_SECRET}"
        witness:
          kind: builtin
          endpoints: [ "{witness}" ]
          siteSecrets: { alpha: "${env:WITNESS_SECRET}", beta: "${env:WITNESS_SECRET}" }
        notifications:
          webhook: { url: "{hook}", secret: "${env:HOOK_SECRET}" }
        timings: { tick: 500ms, ticketTtl: 6s, retryTimeout: 1s, witnessGrace: 1s, driftMargin: 200ms }
        """
            .formatted(nobody));
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      SmallDisk.unmount(disk);
    }
  }

  static void fill(Path disk) throws IOException {
    byte[] block = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(disk.resolve("filler"))) {
      while (true) {
        out.write(block);
      }
    } catch (IOException full) {
      assertThat(full.getMessage()).contains("No space left on device");
    }
  }

  @Test
  void anActivationThatCannotWriteItsJournalCompletesFailedAndRaisesAnAlarm() throws Exception {
    fill(disk);
    AgentAssembly alpha =
        cluster.start("alpha", Map.of("TSIG_SECRET", "c2VjcmV0LXRzaWcta2V5LWZvci10ZXN0cw=="));

    // the activation the loop asked for when alpha took the ticket: an alarm, a failed run
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                cluster.notifications.stream()
                    .anyMatch(
                        n ->
                            n.contains("critical")
                                && n.contains("Activation of site alpha under epoch 1 FAILED")
                                && n.contains("No space left on device")));
    assertThat(alpha.runtime().runs())
        .anySatisfy(
            r -> {
              assertThat(r.state()).startsWith("FAILED: ").contains("No space left on device");
              assertThat(r.endedAt()).isNotNull();
            });

    // and what the agent core is handed back: FAILED, with words, never an exception
    var token = alpha.driver().holder().token().orElseThrow();
    Activation again =
        new Activation(token, new ActivationCause.FirstActivation(), "test", Instant.now());
    ActivationResult result =
        alpha.effects().activate(again).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(result.outcome()).isEqualTo(ActivationResult.Outcome.FAILED);
    assertThat(result.epoch()).isEqualTo(token.epoch());
    assertThat(result.words())
        .startsWith("run activation-" + token.epoch() + "-")
        .contains("could not complete", "No space left on device");

    // space again: a retry of the very same activation gets a run (and a journal) of its own
    Files.delete(disk.resolve("filler"));
    ActivationResult retried =
        alpha.effects().activate(again).toCompletableFuture().get(60, TimeUnit.SECONDS);
    assertThat(retried.runId()).isPresent().isNotEqualTo(result.runId());
    assertThat(retried.runId().get()).isEqualTo(result.runId().get() + "-2");
    assertThat(retried.words()).doesNotContain("already has a journal");
    assertThat(disk.resolve("journal").resolve(retried.runId().get() + ".journal")).exists();
  }

  @Test
  void aHolderThatCannotRunItsRunbookRetriesThenStepsDownAndTheHealthyPeerTakesTheService(
      Bind9Peer bind) throws Exception {
    String record = "full" + System.nanoTime() + "." + bind.zone();
    cluster.writeConfig(
        """
        cluster: pbx-full
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
        notifications:
          webhook: { url: "{hook}", secret: "${env:HOOK_SECRET}" }
        timings: { tick: 500ms, ticketTtl: 6s, retryTimeout: 1s, witnessGrace: 1s, driftMargin: 200ms }
        """
            .formatted(bind.zone(), record, bind.port(), bind.tsigKeyName(), bind.tsigAlgorithm()));
    Map<String, String> tsig = Map.of("TSIG_SECRET", bind.tsigSecret());
    fill(disk);
    AgentAssembly alpha = cluster.start("alpha", tsig);
    await().atMost(Duration.ofSeconds(60)).until(() -> alpha.driver().holder().token().isPresent());
    AgentAssembly beta = cluster.start("beta", tsig);

    // alpha holds the ticket but cannot do the job: it retries, then hands the service over
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> TwoAgentFailoverTest.lookup(bind, record).equals("127.0.0.12"));
    List<String> alphaReasons =
        alpha.runtime().decisions(500).stream().map(d -> d.reasonCode()).toList();
    assertThat(alphaReasons)
        .as(alphaReasons.toString())
        .contains("ACTIVATION_FAILED", "ACTIVATION_STEPPING_DOWN");
    assertThat(alpha.runtime().runs())
        .as("retried: one failed run per attempt")
        .filteredOn(r -> r.state().startsWith("FAILED"))
        .hasSizeGreaterThanOrEqualTo(2);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "beta".equals(beta.runtime().status().activeSite()));
    assertThat(alpha.driver().holder().token()).as("alpha no longer holds a ticket").isEmpty();
    assertThat(cluster.notifications)
        .anySatisfy(
            n ->
                assertThat(n)
                    .contains("critical", "Activation of site alpha under epoch 1 FAILED"));
  }

  /** A small tmpfs mounted for one test (the disk-full case needs a disk that fills up). */
  static final class SmallDisk {

    static Path mount(Path at, String size) throws Exception {
      Files.createDirectories(at);
      boolean root = "0".equals(new String(run("id", "-u")).trim());
      if (!root) {
        if ("true".equals(System.getenv("CI"))) {
          throw new AssertionError(
              "FullDataDiskTest mounts a small tmpfs and needs root (CI runs the suite as root)");
        }
        Assumptions.abort("needs root to mount a small tmpfs (CI runs the suite as root)");
      }
      run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", at.toString());
      return at;
    }

    static void unmount(Path at) throws Exception {
      if (at != null) {
        run("umount", at.toString());
      }
    }

    private static byte[] run(String... command) throws Exception {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed: " + new String(out));
      }
      return out;
    }
  }
}
