package io.tandem.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ResourceNotFoundException;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.sim.peer.AwsEmulatorPeer;
import io.tandem.testkit.AwsEmulator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@AwsEmulator
class DynamoDbWitnessTest {

  private static final Duration TTL = Duration.ofSeconds(9);
  private static final Duration GRACE = Duration.ofSeconds(2);
  private final ApiCallCounter counter = new ApiCallCounter();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private AwsClients aws;
  private DynamoDbWitness witness;

  @BeforeEach
  void setUp(AwsEmulatorPeer peer) {
    peer.reset();
    aws = AwsTestSupport.clients(peer, counter);
    DynamoDbWitness.createTable(aws.dynamoDb(), "tandem-witness", Duration.ofSeconds(30));
    witness = new DynamoDbWitness(aws, "tandem-witness", GRACE, clock);
    counter.reset();
  }

  @AfterEach
  void tearDown() {
    aws.close();
  }

  private static TicketRequest acquire(String site) {
    return TicketRequest.acquire("pbx", site, true, TTL);
  }

  /**
   * Agents race through a proxy that hands DynamoDB one request at a time, as DynamoDB applies
   * conditional writes to one item (the emulator alone does not: it runs requests on parallel
   * threads without locking the table, and then two conditions can both pass). The agents still
   * race: all requests are in flight together and the order is whatever the threads make it.
   */
  @Test
  void agentsRacingForTheTicketExactlyOneWins(AwsEmulatorPeer peer) throws Exception {
    int agents = 6;
    CyclicBarrier start = new CyclicBarrier(agents);
    ExecutorService pool = Executors.newFixedThreadPool(agents);
    try (FaultProxy proxy = new FaultProxy(peer.endpoint());
        AwsClients viaProxy =
            AwsTestSupport.clients(
                peer, AwsTestSupport.site(proxy.endpoint(), peer.region()), counter)) {
      proxy.serializeDynamoDb();
      DynamoDbWitness racing = new DynamoDbWitness(viaProxy, "tandem-witness", GRACE, clock);
      List<Future<TicketResult>> results = new ArrayList<>();
      for (int i = 0; i < agents; i++) {
        String site = "site-" + i;
        results.add(
            pool.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  return racing.acquire(acquire(site));
                }));
      }
      List<TicketResult> answers = new ArrayList<>();
      for (Future<TicketResult> f : results) {
        answers.add(f.get(30, TimeUnit.SECONDS));
      }
      List<TicketResult> granted = answers.stream().filter(TicketResult::granted).toList();
      assertThat(granted).hasSize(1);
      Ticket winner = granted.getFirst().ticket();
      assertThat(winner.epoch()).isEqualTo(1);
      assertThat(answers.stream().filter(r -> !r.granted()))
          .allSatisfy(r -> assertThat(r.ticket()).isEqualTo(winner));
      assertThat(witness.observe("pbx")).contains(winner);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theTicketPassesOnlyAfterExpiryPlusGraceAndTheEpochGrows() {
    TicketResult a = witness.acquire(acquire("a"));
    assertThat(a.granted()).isTrue();
    assertThat(a.ticket().epoch()).isEqualTo(1);

    clock.advance(TTL.plus(GRACE));
    TicketResult early = witness.acquire(acquire("b"));
    assertThat(early.granted()).isFalse();
    assertThat(early.reason()).contains("held by a");

    clock.advance(Duration.ofMillis(1));
    TicketResult b = witness.acquire(acquire("b"));
    assertThat(b.granted()).isTrue();
    assertThat(b.ticket().epoch()).isEqualTo(2);

    TicketResult lateRenew = witness.renew(TicketRequest.renew("pbx", "a", true, TTL, 1));
    assertThat(lateRenew.granted()).isFalse();
    assertThat(lateRenew.ticket().holder()).isEqualTo("b");
  }

  @Test
  void renewExtendsUnderTheSameEpochAndReacquireByTheHolderKeepsIt() {
    Ticket t = witness.acquire(acquire("a")).ticket();
    clock.advance(Duration.ofSeconds(3));
    TicketResult renewed = witness.renew(TicketRequest.renew("pbx", "a", true, TTL, t.epoch()));
    assertThat(renewed.granted()).isTrue();
    assertThat(renewed.ticket().epoch()).isEqualTo(t.epoch());
    assertThat(renewed.ticket().expiry()).isAfter(t.expiry());

    TicketResult again = witness.acquire(acquire("a"));
    assertThat(again.granted()).isTrue();
    assertThat(again.ticket().epoch()).isEqualTo(t.epoch());
    assertThat(counter.calls()).containsEntry("DynamoDb.UpdateItem", 4L);
  }

  @Test
  void releaseLetsAnotherSiteAcquireAtOnceWithAGreaterEpoch() {
    Ticket t = witness.acquire(acquire("a")).ticket();
    witness.release("pbx", "b", t.epoch());
    assertThat(witness.observe("pbx")).contains(t);

    witness.release("pbx", "a", t.epoch());
    witness.release("pbx", "a", t.epoch());
    assertThat(witness.observe("pbx")).isEmpty();

    TicketResult b = witness.acquire(acquire("b"));
    assertThat(b.granted()).isTrue();
    assertThat(b.ticket().epoch()).isEqualTo(t.epoch() + 1);
  }

  @Test
  void anUnhealthySiteIsRefusedUnlessForced() {
    TicketResult sick = witness.acquire(TicketRequest.acquire("pbx", "a", false, TTL));
    assertThat(sick.granted()).isFalse();
    assertThat(sick.reason()).contains("unhealthy");
    witness.acquire(acquire("b"));
    TicketResult forced = witness.acquire(new TicketRequest("pbx", "a", false, TTL, 0, true));
    assertThat(forced.granted()).isTrue();
    assertThat(forced.ticket().epoch()).isEqualTo(2);
  }

  @Test
  void createTableIsIdempotentAndAMissingTableIsAClearError() {
    DynamoDbWitness.createTable(aws.dynamoDb(), "tandem-witness", Duration.ofSeconds(30));
    DynamoDbWitness missing = new DynamoDbWitness(aws, "no-such-table", GRACE, clock);
    assertThatThrownBy(() -> missing.acquire(acquire("a")))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("no-such-table")
        .hasMessageContaining("tandem witness init");
  }
}
