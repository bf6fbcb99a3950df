package io.tandem.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.LeaseStateType;
import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.testkit.Azurite;
import io.tandem.testkit.AzuritePeer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Blob-lease witness against a real Azurite Blob service (testkit). */
@Azurite
class BlobLeaseWitnessTest {

  private static final Duration TTL = Duration.ofSeconds(15);
  private static final Duration GRACE = Duration.ofSeconds(5);

  private BlobServiceClient service;
  private BlobContainerClient container;
  private MutableClock clock;
  private String cluster;

  @BeforeEach
  void setUp(AzuritePeer azurite) {
    service =
        new BlobServiceClientBuilder().connectionString(azurite.connectionString()).buildClient();
    container = service.createBlobContainerIfNotExists("tandem-witness");
    clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    cluster = "sip-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private BlobLeaseWitness witness() {
    return BlobLeaseWitness.builder().container(container).clock(clock).grace(GRACE).build();
  }

  private TicketResult acquire(BlobLeaseWitness w, String site) {
    return w.acquire(TicketRequest.acquire(cluster, site, true, TTL));
  }

  @Test
  void theFirstAcquireGetsEpochOnePersistedInMetadata() {
    TicketResult r = acquire(witness(), "site-a");

    assertThat(r.granted()).isTrue();
    assertThat(r.ticket().epoch()).isEqualTo(1);
    assertThat(r.ticket().ttl()).isEqualTo(TTL);
    var props = container.getBlobClient("tandem-witness-" + cluster).getProperties();
    assertThat(props.getLeaseState()).isEqualTo(LeaseStateType.LEASED);
    assertThat(props.getMetadata())
        .containsEntry("tandem_epoch", "1")
        .containsEntry("tandem_holder", "site-a");
    assertThat(witness().observe(cluster))
        .hasValueSatisfying(t -> assertThat(t.holder()).isEqualTo("site-a"));
  }

  @Test
  void theHolderRenewsUnderTheSameEpochAndOthersAreRefused() {
    BlobLeaseWitness w = witness();
    Ticket t = acquire(w, "site-a").ticket();
    clock.advance(Duration.ofSeconds(5));

    TicketResult renewed = w.renew(TicketRequest.renew(cluster, "site-a", true, TTL, t.epoch()));
    TicketResult again = acquire(w, "site-a");
    TicketResult other = acquire(witness(), "site-b");

    assertThat(renewed.granted()).isTrue();
    assertThat(renewed.ticket().epoch()).isEqualTo(1);
    assertThat(renewed.ticket().expiry()).isEqualTo(t.expiry().plusSeconds(5));
    assertThat(again.granted()).isTrue();
    assertThat(again.ticket().epoch()).isEqualTo(1);
    assertThat(other.granted()).isFalse();
    assertThat(other.reason()).contains("held by site-a epoch 1");
    assertThat(w.renew(TicketRequest.renew(cluster, "site-a", true, TTL, 7)).granted()).isFalse();
  }

  @Test
  void twoAgentsRacingExactlyOneHoldsIt() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 5; round++) {
        String c = cluster + "-" + round;
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<TicketResult>> results = new ArrayList<>();
        for (String site : List.of("site-a", "site-b")) {
          BlobLeaseWitness w = witness();
          results.add(
              pool.submit(
                  () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return w.acquire(TicketRequest.acquire(c, site, true, TTL));
                  }));
        }
        List<TicketResult> done = new ArrayList<>();
        for (Future<TicketResult> f : results) {
          done.add(f.get(30, TimeUnit.SECONDS));
        }
        assertThat(done).filteredOn(TicketResult::granted).hasSize(1);
        Ticket winner =
            done.stream().filter(TicketResult::granted).findFirst().orElseThrow().ticket();
        assertThat(winner.epoch()).isEqualTo(1);
        assertThat(witness().observe(c)).contains(winner);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anUnhealthyRequesterIsRefused() {
    TicketResult r = witness().acquire(TicketRequest.acquire(cluster, "site-a", false, TTL));

    assertThat(r.granted()).isFalse();
    assertThat(r.reason()).contains("not healthy");
  }

  @Test
  void afterAReleaseAnotherSiteWaitsForTheGraceThenGetsANewerEpoch() {
    BlobLeaseWitness a = witness();
    Ticket t = acquire(a, "site-a").ticket();
    a.release(cluster, "site-a", t.epoch());
    a.release(cluster, "site-a", t.epoch()); // idempotent

    TicketResult early = acquire(witness(), "site-b");
    clock.advance(GRACE.plusMillis(1));
    TicketResult late = acquire(witness(), "site-b");

    assertThat(early.granted()).isFalse();
    assertThat(early.reason()).contains("grace ends");
    assertThat(late.granted()).isTrue();
    assertThat(late.ticket().epoch()).isEqualTo(2);
    assertThat(a.renew(TicketRequest.renew(cluster, "site-a", true, TTL, 1)).granted()).isFalse();
  }

  @Test
  void anExpiredLeasePlusGraceLetsAnotherSiteAcquire() {
    BlobLeaseWitness a = witness();
    acquire(a, "site-a");
    var blob = container.getBlobClient("tandem-witness-" + cluster);

    assertThat(acquire(witness(), "site-b").granted()).isFalse();
    // The lease expires on Azurite's clock (15 s, the shortest Azure allows).
    await()
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> blob.getProperties().getLeaseState() == LeaseStateType.EXPIRED);
    // Expired on the storage clock, but the recorded expiry + grace has not passed on ours.
    TicketResult inGrace = acquire(witness(), "site-b");
    clock.advance(TTL.plus(GRACE).plusSeconds(1));
    TicketResult after = acquire(witness(), "site-b");

    assertThat(inGrace.granted()).isFalse();
    assertThat(inGrace.reason()).contains("grace ends");
    assertThat(after.granted()).isTrue();
    assertThat(after.ticket().epoch()).isEqualTo(2);
    assertThat(a.renew(TicketRequest.renew(cluster, "site-a", true, TTL, 1)).granted()).isFalse();
  }

  private TicketResult forced(String site) {
    return witness()
        .acquire(
            TicketRequest.forced(
                cluster, site, false, TTL, 0, TicketRequest.FORCE_ACKNOWLEDGEMENT));
  }

  /**
   * docs/witness-protocol.md rule 2: a forced acquire preempts (breaks the lease, so the holder's
   * renewal fails, answered without its own ticket) and is granted once the holder released.
   */
  @Test
  void aForcedAcquirePreemptsTheHolderAndIsGrantedWhenItReleases() {
    BlobLeaseWitness a = witness();
    acquire(a, "site-a");
    TicketResult unacknowledged =
        witness().acquire(new TicketRequest(cluster, "site-b", false, TTL, 0, true));
    assertThat(unacknowledged.granted()).isFalse();
    assertThat(unacknowledged.reason())
        .startsWith("refused: a forced acquire needs the operator's acknowledgement");

    TicketResult waiting = forced("site-b");
    assertThat(waiting.granted()).as("site-a may still serve").isFalse();
    assertThat(waiting.reason())
        .matches(
            "forced acquire: waiting (19|20)\\.0 s for site-a's ticket to lapse \\(preempted: its"
                + " renewals are refused; granted at once if it releases\\)");
    var blob = container.getBlobClient("tandem-witness-" + cluster);
    assertThat(blob.getProperties().getLeaseState()).isEqualTo(LeaseStateType.BREAKING);
    TicketResult renewal = a.renew(TicketRequest.renew(cluster, "site-a", true, TTL, 1));
    assertThat(renewal.granted()).isFalse();
    assertThat(renewal.ticket()).as("lost, not refused for another reason").isNull();
    assertThat(acquire(witness(), "site-c").granted()).isFalse();

    a.release(cluster, "site-a", 1); // site-a fenced and says so
    TicketResult granted = forced("site-b");
    assertThat(granted.granted()).as(granted.reason()).isTrue();
    assertThat(granted.ticket().epoch()).isEqualTo(2);
    assertThat(granted.ticket().holder()).isEqualTo("site-b");
  }

  /** Without a release: granted only once the broken lease ended and the grace passed. */
  @Test
  void aForcedAcquireWaitsForTheBrokenLeaseAndTheGrace() {
    acquire(witness(), "site-a");
    var blob = container.getBlobClient("tandem-witness-" + cluster);
    assertThat(forced("site-b").granted()).isFalse();
    await()
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> blob.getProperties().getLeaseState() == LeaseStateType.BROKEN);
    TicketResult inGrace = forced("site-b");
    assertThat(inGrace.granted()).isFalse();
    assertThat(inGrace.reason()).startsWith("forced acquire: waiting");
    clock.advance(TTL.plus(GRACE).plusSeconds(1));
    TicketResult after = forced("site-b");
    assertThat(after.granted()).as(after.reason()).isTrue();
    assertThat(after.ticket().epoch()).isEqualTo(2);
  }

  @Test
  void leaseDurationsAreClampedToWhatAzureAllows() {
    assertThat(BlobLeaseWitness.leaseDuration(Duration.ofSeconds(3)))
        .isEqualTo(Duration.ofSeconds(15));
    assertThat(BlobLeaseWitness.leaseDuration(Duration.ofSeconds(30)))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(BlobLeaseWitness.leaseDuration(Duration.ofMinutes(5)))
        .isEqualTo(Duration.ofSeconds(60));
    TicketResult r =
        witness().acquire(TicketRequest.acquire(cluster, "site-a", true, Duration.ofSeconds(3)));
    assertThat(r.ticket().ttl()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void aMissingContainerIsReportedAsNotFound() {
    BlobLeaseWitness w =
        BlobLeaseWitness.builder()
            .container(service.getBlobContainerClient("nope-" + cluster))
            .clock(clock)
            .build();

    assertThatThrownBy(() -> acquire(w, "site-a")).isInstanceOf(ResourceNotFoundException.class);
  }
}
