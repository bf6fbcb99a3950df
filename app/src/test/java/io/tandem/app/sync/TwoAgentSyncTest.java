package io.tandem.app.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.app.peer.PeerAuthentication;
import io.tandem.core.sync.SyncChannel;
import io.tandem.core.sync.SyncDecision;
import io.tandem.core.sync.SyncReason;
import io.tandem.core.sync.SyncRefusedException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two agents syncing real directories over their authenticated peer link, through the assembly
 * {@code tandem agent} builds: the holder's changes arrive on the standby with the standby's own
 * overrides applied and its PBX reloaded; the gate stops a run towards an unhealthy site and says
 * why; the receiver refuses a non-holder and an older epoch in words. One cluster for the class
 * (starting three servers is the slow part); the tests run in order on it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoAgentSyncTest {

  static final String SYNC =
      """
      sync:
        - name: etc-asterisk
          kind: files
          paths: [ /etc/asterisk ]
          sitePaths:
            - { site: alpha, paths: [ "%1$s/alpha/etc/asterisk" ] }
            - { site: beta, paths: [ "%1$s/beta/etc/asterisk" ] }
          exclude: [ "*.swp" ]
          interval: 2s
          reload: { module: res_pjsip.so }
          overrides:
            - files: [ pjsip.conf ]
              regex: '^external_signaling_address=.*$'
              with: 'external_signaling_address={{publicAddress}}'
          values:
            - { site: alpha, set: { publicAddress: 192.0.2.10 } }
            - { site: beta, set: { publicAddress: 198.51.100.20 } }
        - name: sounds
          kind: files
          paths: [ /var/lib/asterisk/sounds/custom ]
          sitePaths:
            - { site: alpha, paths: [ "%1$s/alpha/sounds" ] }
            - { site: beta, paths: [ "%1$s/beta/sounds" ] }
          interval: 2s
          maxBytes: 1KiB
      """;

  @TempDir static Path dir;
  static SyncCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    seed(dir);
    cluster = new SyncCluster(dir, SYNC);
    cluster.startAgents();
    cluster.awaitActive("alpha");
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  static Path alphaDir() {
    return dir.resolve("alpha/etc/asterisk");
  }

  static Path betaDir() {
    return dir.resolve("beta/etc/asterisk");
  }

  static void seed(Path dir) throws Exception {
    Path alpha = dir.resolve("alpha/etc/asterisk");
    Files.createDirectories(alpha.resolve("pjsip.d"));
    Files.createDirectories(dir.resolve("beta/etc/asterisk"));
    Files.writeString(alpha.resolve("extensions.conf"), "[default]\nexten => 100,1,Answer()\n");
    Files.writeString(alpha.resolve("pjsip.conf"), "[t]\nexternal_signaling_address=192.0.2.10\n");
    Files.writeString(alpha.resolve("pjsip.d/trunk.conf"), "[carrier]\ntype=registration\n");
    // a job that can never be made current: its content is larger than its maxBytes
    Files.createDirectories(dir.resolve("alpha/sounds"));
    Files.createDirectories(dir.resolve("beta/sounds"));
    Files.write(dir.resolve("alpha/sounds/welcome.wav"), new byte[4096]);
  }

  @Test
  @Order(1)
  void theHoldersChangesArriveOnTheStandbyWithItsOverridesAndReload() throws Exception {

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Files.exists(betaDir().resolve("pjsip.d/trunk.conf")));
    assertThat(Files.readString(betaDir().resolve("extensions.conf"))).contains("exten => 100");
    assertThat(Files.readString(betaDir().resolve("pjsip.conf")))
        .contains("external_signaling_address=198.51.100.20");
    assertThat(Files.readString(alphaDir().resolve("pjsip.conf")))
        .as("the sender's files are never changed")
        .contains("external_signaling_address=192.0.2.10");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> cluster.models.get("beta").reloadedModules().contains("res_pjsip.so"));

    // a dialplan change on the active is live on the standby within seconds (change watch)
    Files.writeString(
        alphaDir().resolve("extensions.conf"), "[default]\nexten => 200,1,Answer()\n");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> Files.readString(betaDir().resolve("extensions.conf")).contains("exten => 200"));

    var alphaStatus = cluster.sync("alpha").service().status("etc-asterisk");
    assertThat(alphaStatus.lastSuccess()).isPresent();
    assertThat(alphaStatus.stale()).isFalse();
    assertThat(cluster.sync("beta").ledger().recent(50))
        .anySatisfy(
            d -> {
              assertThat(d.outcome()).isEqualTo(SyncDecision.Outcome.RECEIVED);
              assertThat(d.words())
                  .contains("received from alpha", "module reload res_pjsip.so: ok");
            });
    // the standby sends nothing and says why, once per state (its next run, within an interval)
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(cluster.sync("beta").ledger().recent(50))
                    .filteredOn(d -> d.from().equals("beta"))
                    .extracting(SyncDecision::words)
                    .containsOnlyOnce(
                        "sync etc-asterisk: skipped, sender beta is not the ticket holder"
                            + " (STANDBY)"));
  }

  @Test
  @Order(3)
  void nothingGoesToAnUnhealthySiteAndTheSenderSaysWhy() throws Exception {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Files.exists(betaDir().resolve("extensions.conf")));

    // beta's PBX stops answering: beta is unhealthy, alpha (healthy) stays active
    cluster.faults.get("beta").answerDelay(Duration.ofSeconds(3));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !cluster.agents.get("beta").health().snapshot().healthy());
    Map<String, String> before = Trees.of(betaDir());
    Files.writeString(
        alphaDir().resolve("extensions.conf"), "[default]\nexten => 300,1,Answer()\n");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                cluster
                        .sync("alpha")
                        .ledger()
                        .last("etc-asterisk")
                        .map(SyncDecision::reason)
                        .orElse(null)
                    == SyncReason.PEER_UNHEALTHY);
    assertThat(cluster.sync("alpha").ledger().last("etc-asterisk").orElseThrow().words())
        .isEqualTo("sync etc-asterisk: skipped, receiver beta reports itself unhealthy (STANDBY)");
    assertThat(Trees.of(betaDir())).isEqualTo(before);

    // healthy again: the change arrives
    cluster.faults.get("beta").reset();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> Files.readString(betaDir().resolve("extensions.conf")).contains("exten => 300"));
  }

  @Test
  @Order(2)
  void theReceiverRefusesANonHolderAndAnOlderEpochInWords() throws Exception {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Files.exists(betaDir().resolve("extensions.conf")));
    long epoch = cluster.agents.get("alpha").driver().holder().view().epoch();
    Map<String, String> alphaBefore = Trees.of(alphaDir());
    Map<String, String> betaBefore = Trees.of(betaDir());

    // beta, the standby, holds the cluster's peer secret but not the ticket: alpha refuses it
    SyncChannel fromBeta = channel("beta", Map.of("alpha", cluster.ports.get("alpha")));
    var nonHolder =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            SyncRefusedException.class,
            () -> fromBeta.offer("alpha", "etc-asterisk", epoch, out -> out.write(manifestOf())));
    assertThat(nonHolder.reason()).isEqualTo(SyncReason.RECEIVER_IS_HOLDER);
    assertThat(nonHolder.getMessage())
        .isEqualTo(
            "sync etc-asterisk: refused, sender beta is not the ticket holder (alpha holds it)");

    // alpha speaking for an epoch older than the one beta has seen
    SyncChannel fromAlpha = channel("alpha", Map.of("beta", cluster.ports.get("beta")));
    var older =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            SyncRefusedException.class,
            () ->
                fromAlpha.offer("beta", "etc-asterisk", epoch - 1, out -> out.write(manifestOf())));
    assertThat(older.reason()).isEqualTo(SyncReason.OLDER_EPOCH);
    assertThat(older.getMessage())
        .isEqualTo(
            "sync etc-asterisk: refused, sender alpha speaks for epoch "
                + (epoch - 1)
                + ", older than epoch "
                + epoch
                + " already seen here");
    assertThat(cluster.sync("beta").ledger().recent(20))
        .anySatisfy(d -> assertThat(d.reason()).isEqualTo(SyncReason.OLDER_EPOCH));
    assertThat(Trees.of(alphaDir())).isEqualTo(alphaBefore);
    assertThat(Trees.of(betaDir())).isEqualTo(betaBefore);
  }

  @Test
  @Order(4)
  void aPlannedSwitchoverRefusesWhileAJobCannotBeMadeCurrentUntilAnOperatorAccepts()
      throws Exception {
    cluster.faults.get("beta").answerDelay(Duration.ofSeconds(3));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !cluster.agents.get("beta").health().snapshot().healthy());
    var refused = cluster.agents.get("alpha").runtime().switchover("beta");
    assertThat(refused.accepted()).isFalse();
    assertThat(refused.message())
        .startsWith("switchover to beta refused: sync etc-asterisk: not current (")
        .contains("skipped, receiver beta reports itself unhealthy")
        .contains("POST /api/v1/sync/accept-stale for etc-asterisk");

    assertThat(refused.message())
        .contains("sync sounds: not current (")
        .contains("POST /api/v1/sync/accept-stale for etc-asterisk, sounds");

    // the operator accepts, through the API, with the exact sentence: audited
    var wrong =
        post("alpha", "/api/v1/sync/accept-stale", "{\"reason\":\"x\",\"acknowledgement\":\"ok\"}");
    assertThat(wrong.statusCode()).isEqualTo(400);
    // docs/sync.md's curl command, as written (only its address is this test's)
    String said = DocumentedCommand.run("docs/sync.md", "accept-stale", cluster.ports.get("alpha"));
    assertThat(said).contains("\"accepted\"", "etc-asterisk");
    var ok =
        post(
            "alpha",
            "/api/v1/sync/accept-stale",
            "{\"jobs\":[\"sounds\"],\"reason\":\"the new prompts are too large, known\","
                + "\"acknowledgement\":\"I accept that the standby may lack recent changes\"}");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    var audit = get("alpha", "/api/v1/audit");
    assertThat(audit.body()).contains("sync-accept-stale", "change window ends", "too large");
    assertThat(cluster.sync("alpha").acknowledgements().find("etc-asterisk").map(a -> a.by()))
        .contains("token:ops");
    cluster.faults.get("beta").reset();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> cluster.agents.get("beta").health().snapshot().healthy());
  }

  @Test
  @Order(5)
  void afterASwitchoverTheNewActiveSendsAndTheOldOneReceivesWithItsOwnOverrides() throws Exception {
    // sounds is still stale (accepted): the switchover goes ahead, through the runbook's sync stage
    var accepted = cluster.agents.get("alpha").runtime().switchover("beta");
    assertThat(accepted.accepted()).as(accepted.message()).isTrue();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> "beta".equals(cluster.agents.get("beta").runtime().status().activeSite()));
    // the switchover runbook on beta records the stale job and goes on: the service moves
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                cluster
                    .dns
                    .observe("sync.test.", "sip.sync.test.", "A")
                    .map(r -> r.values().equals(List.of("198.51.100.20")))
                    .orElse(false));
    // beta has no sounds (they never arrived): alpha refuses to be emptied by it, in words
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                cluster.sync("alpha").ledger().recent(50).stream()
                    .anyMatch(
                        d ->
                            d.outcome() == SyncDecision.Outcome.REFUSED
                                && d.words()
                                    .startsWith(
                                        "sync sounds: refused, the sender has no files under the"
                                            + " job's paths and this run would delete all 1 here")));
    assertThat(Files.exists(dir.resolve("alpha/sounds/welcome.wav"))).isTrue();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                cluster.agents.values().stream()
                    .allMatch(a -> a.driver().peerReports().size() == 1));

    Files.writeString(
        betaDir().resolve("pjsip.conf"),
        "[t]\nexternal_signaling_address=198.51.100.20\n;edited on beta\n");
    Files.writeString(betaDir().resolve("extensions.conf"), "[default]\nexten => 600,1,Answer()\n");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> Files.readString(alphaDir().resolve("extensions.conf")).contains("exten => 600"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> Files.readString(alphaDir().resolve("pjsip.conf")).contains(";edited on beta"));
    assertThat(Files.readString(alphaDir().resolve("pjsip.conf")))
        .as("alpha rewrites what it receives with its own address")
        .contains("external_signaling_address=192.0.2.10");
    // the files are in place before the run's decision is recorded (after the reload)
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(cluster.sync("alpha").ledger().recent(50))
                    .anySatisfy(
                        d ->
                            assertThat(d.words())
                                .startsWith("sync etc-asterisk: received from beta")));
  }

  static java.net.http.HttpResponse<String> post(String site, String path, String json)
      throws Exception {
    return HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + cluster.ports.get(site) + path))
                .header("Authorization", "Bearer " + SyncCluster.TOKEN)
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  static java.net.http.HttpResponse<String> get(String site, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + cluster.ports.get(site) + path))
                .header("Authorization", "Bearer " + SyncCluster.TOKEN)
                .GET()
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] manifestOf() {
    return "tandem-files-manifest 1\n".getBytes(StandardCharsets.UTF_8);
  }

  static SyncChannel channel(String site, Map<String, Integer> peers) {
    Map<String, URI> urls = new java.util.HashMap<>();
    peers.forEach((k, v) -> urls.put(k, URI.create("http://127.0.0.1:" + v)));
    return new HttpSyncChannel(
        site,
        urls,
        new PeerAuthentication(
            SyncCluster.PEER_SECRET.getBytes(StandardCharsets.UTF_8),
            Set.of("alpha", "beta"),
            Clock.systemUTC(),
            Duration.ofSeconds(6)),
        HttpClient.newHttpClient(),
        job -> Duration.ofSeconds(10),
        dir.resolve("tmp-" + site));
  }

  /** Every entry of a tree with its type, mode, owner and content hash (or link). */
  static final class Trees {
    static Map<String, String> of(Path root) throws java.io.IOException {
      Map<String, String> out = new java.util.TreeMap<>();
      try (var walk = Files.walk(root)) {
        for (Path p : walk.toList()) {
          var a = Files.readAttributes(p, "unix:*", java.nio.file.LinkOption.NOFOLLOW_LINKS);
          String what =
              Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                  ? "f "
                      + java.util.HexFormat.of()
                          .formatHex(
                              java.security.MessageDigest.getInstance("SHA-256")
                                  .digest(Files.readAllBytes(p)))
                      + " "
                      + Files.getLastModifiedTime(p).toMillis()
                  : Files.isSymbolicLink(p) ? "l " + Files.readSymbolicLink(p) : "d";
          out.put(
              root.relativize(p).toString(),
              what + " " + a.get("mode") + " " + a.get("uid") + " " + a.get("gid"));
        }
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      return out;
    }
  }

  static List<String> words(List<SyncDecision> ds) {
    return ds.stream().map(SyncDecision::words).toList();
  }
}
