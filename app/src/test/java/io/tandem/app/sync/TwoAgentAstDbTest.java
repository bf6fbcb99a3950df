package io.tandem.app.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.core.sync.SyncDecision;
import io.tandem.core.sync.SyncReason;
import io.tandem.sim.pbx.AstDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two agents, as {@code tandem agent} assembles them, syncing Asterisk's internal database through
 * each site's own (simulated) Asterisk Manager: {@code DBGetTree} on the holder, {@code DBPut} and
 * {@code DBDel} on the standby, never the database file. The job's families arrive, the node's own
 * rows stay; an unhealthy holder reads and sends nothing and says why; a holder stopped while the
 * content is on the wire leaves the standby's database exactly as it was. One cluster for the
 * class; the tests run in order on it (the last one stops the holder).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoAgentAstDbTest {

  static final String SYNC =
      """
      sync:
        - name: astdb
          kind: astdb
          families: [ CF, DND ]
          interval: 1s
        - name: astdb-slow
          kind: astdb
          families: [ VM ]
          interval: 1s
          bandwidthLimit: 128KiB
      """;

  @TempDir static Path dir;
  static SyncCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = new SyncCluster(dir, SYNC, true);
    AstDb alpha = db("alpha");
    alpha.put("CF", "100", "0612345678");
    alpha.put("CF", "101/busy", "0698765432");
    alpha.put("DND", "100", "YES");
    alpha.put("blacklist", "0800123456", "1");
    alpha.put("pbx", "UUID", "alpha-uuid");
    AstDb beta = db("beta");
    beta.put("pbx", "UUID", "beta-uuid");
    beta.put("DND", "200", "YES");
    cluster.startAgents();
    cluster.awaitActive("alpha");
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  static AstDb db(String site) {
    return cluster.models.get(site).astdb();
  }

  static Map<String, String> families(String site, String... families) {
    Map<String, String> out = new TreeMap<>();
    for (String f : families) {
      out.putAll(db(site).tree(f, ""));
    }
    return out;
  }

  @Test
  @Order(1)
  void theJobsFamiliesArriveThroughTheStandbysOwnAsteriskAndItsOwnRowsStay() {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> families("beta", "CF", "DND").equals(families("alpha", "CF", "DND")));
    assertThat(db("beta").all())
        .as("the standby keeps its own UUID and gets no family outside the job")
        .containsEntry("/pbx/UUID", "beta-uuid")
        .doesNotContainKey("/blacklist/0800123456")
        .doesNotContainKey("/DND/200");
    // the rows are visible while the apply still runs: its decision is recorded as it ends
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(cluster.sync("beta").ledger().recent(50))
                    .anySatisfy(
                        d ->
                            assertThat(d.words())
                                .startsWith("sync astdb: received from alpha")
                                .contains("3 AstDB rows written", "1 deleted")));

    // a call forward changed and a DND cleared on the active: on the standby at the next run
    db("alpha").put("CF", "100", "0611111111");
    db("alpha").del("DND", "100");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> families("beta", "CF", "DND").equals(families("alpha", "CF", "DND")));
    assertThat(db("beta").get("CF", "100")).contains("0611111111");
  }

  @Test
  @Order(2)
  void anUnhealthyHolderReadsAndSendsNothingAndSaysWhy() throws Exception {
    // beta first, so the unhealthy alpha has no healthy site to hand over to and keeps the ticket
    Files.createFile(cluster.downFlag("beta"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !cluster.agents.get("alpha").driver().peerReports().get("beta").healthy());
    Files.createFile(cluster.downFlag("alpha"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !cluster.agents.get("alpha").health().snapshot().healthy());
    db("alpha").put("CF", "300", "0633333333");
    Map<String, String> before = db("beta").all();
    int logins = cluster.pbx.get("alpha").logins();

    List<SyncDecision> ds = cluster.sync("alpha").service().runNow("astdb");

    assertThat(ds)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.outcome()).isEqualTo(SyncDecision.Outcome.SKIPPED);
              assertThat(d.reason()).isEqualTo(SyncReason.SENDER_UNHEALTHY);
              assertThat(d.words()).startsWith("sync astdb: skipped, sender alpha is unhealthy (");
            });
    assertThat(cluster.pbx.get("alpha").logins())
        .as("no snapshot was taken: no AMI login to read the database")
        .isEqualTo(logins);
    assertThat(db("beta").all()).isEqualTo(before);

    // healthy again (alpha first, so it keeps the ticket): the change arrives
    Files.delete(cluster.downFlag("alpha"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> cluster.agents.get("alpha").health().snapshot().healthy());
    Files.delete(cluster.downFlag("beta"));
    await().atMost(Duration.ofSeconds(30)).until(() -> db("beta").get("CF", "300").isPresent());
    assertThat(cluster.agents.get("alpha").runtime().status().activeSite()).isEqualTo("alpha");
  }

  @Test
  @Order(3)
  void aHolderStoppedWhileTheContentIsOnTheWireLeavesTheStandbyAsItWas() throws Exception {
    Map<String, String> before = db("beta").all();
    // 1,000 rows of 900 bytes that hardly compress, at 128 KiB/s: about seven seconds
    java.util.Random random = new java.util.Random(11);
    for (int i = 0; i < 1000; i++) {
      byte[] b = new byte[675];
      random.nextBytes(b);
      db("alpha")
          .put("VM", String.format("box-%04d", i), java.util.Base64.getEncoder().encodeToString(b));
    }
    Path jobState = dir.resolve("data-beta/sync/jobs/astdb-slow");
    await().atMost(Duration.ofSeconds(30)).until(() -> stagedBytes(jobState) > 8 << 10);

    cluster.kill("alpha");

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                cluster.sync("beta").ledger().recent(50).stream()
                    .anyMatch(
                        d ->
                            d.job().equals("astdb-slow")
                                && d.outcome() == SyncDecision.Outcome.FAILED
                                && d.from().equals("alpha")));
    assertThat(db("beta").all()).isEqualTo(before);
    assertThat(stagedBytes(jobState)).as("the staging was removed").isZero();
  }

  private static long stagedBytes(Path jobState) throws java.io.IOException {
    if (!Files.isDirectory(jobState)) {
      return 0;
    }
    try (var list = Files.list(jobState)) {
      return list.filter(p -> p.getFileName().toString().startsWith("staging-"))
          .mapToLong(p -> p.toFile().length())
          .sum();
    }
  }
}
