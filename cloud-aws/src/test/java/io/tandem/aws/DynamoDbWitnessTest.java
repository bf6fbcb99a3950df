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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@AwsEmulator
class DynamoDbWitnessTest {

  private static final Duration TTL = Duration.ofSeconds(9);
  private static final Duration GRACE = Duration.ofSeconds(2);
  private final ApiCallCounter counter = new ApiCallCounter();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final AtomicLong nanos = new AtomicLong(7_000_000_000L);
  private AwsClients aws;
  private DynamoDbWitness witness;

  /** Another agent: its own witness client with its own monotonic clock. */
  private record Agent(DynamoDbWitness witness, AtomicLong nanos) {
    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }
  }

  private Agent agent(MutableClock wall) {
    AtomicLong own = new AtomicLong(123_000_000_000L);
    return new Agent(new DynamoDbWitness(aws, "tandem-witness", GRACE, wall, own::get), own);
  }

  @BeforeEach
  void setUp(AwsEmulatorPeer peer) {
    peer.reset();
    aws = AwsTestSupport.clients(peer, counter);
    DynamoDbWitness.createTable(aws.dynamoDb(), "tandem-witness", Duration.ofSeconds(30));
    witness = new DynamoDbWitness(aws, "tandem-witness", GRACE, clock, nanos::get);
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
  void aContenderTakesOverOnlyAfterSeeingTheRecordUnchangedForTtlPlusGraceOnItsOwnClock() {
    TicketResult a = witness.acquire(acquire("a"));
    assertThat(a.granted()).isTrue();
    assertThat(a.ticket().epoch()).isEqualTo(1);
    Agent b = agent(clock);

    TicketResult first = b.witness().acquire(acquire("b"));
    assertThat(first.granted()).isFalse();
    assertThat(first.reason())
        .isEqualTo(
            "refused: held by a under epoch 1; this site has seen its record unchanged for 0 ms"
                + " of the 11000 ms (TTL + grace) it must observe before taking over");
    b.advance(TTL.plus(GRACE).minusMillis(1));
    assertThat(b.witness().acquire(acquire("b")).granted()).isFalse();

    b.advance(Duration.ofMillis(1));
    TicketResult taken = b.witness().acquire(acquire("b"));
    assertThat(taken.granted()).as(taken.reason()).isTrue();
    assertThat(taken.ticket().epoch()).isEqualTo(2);

    TicketResult lateRenew = witness.renew(TicketRequest.renew("pbx", "a", true, TTL, 1));
    assertThat(lateRenew.granted()).isFalse();
    assertThat(lateRenew.ticket().holder()).isEqualTo("b");
  }

  @Test
  void everyRenewalRestartsTheContendersObservation() {
    witness.acquire(acquire("a"));
    Agent b = agent(clock);
    assertThat(b.witness().acquire(acquire("b")).granted()).isFalse();
    b.advance(TTL);
    assertThat(witness.renew(TicketRequest.renew("pbx", "a", true, TTL, 1)).granted()).isTrue();
    b.advance(GRACE.plusMillis(1));
    TicketResult afterRenewal = b.witness().acquire(acquire("b"));
    assertThat(afterRenewal.granted()).as("a fresh record version").isFalse();
    assertThat(afterRenewal.reason()).contains("unchanged for 0 ms");
    b.advance(TTL.plus(GRACE));
    assertThat(b.witness().acquire(acquire("b")).granted()).isTrue();
  }

  @Test
  void theRequestersWallClockNeverDecides() {
    assertThat(witness.acquire(acquire("a")).granted()).isTrue();
    Agent b = agent(new MutableClock(Instant.parse("2026-01-01T01:00:00Z"))); // an hour ahead
    assertThat(b.witness().acquire(acquire("b")).granted()).isFalse();
    clock.advance(Duration.ofDays(1)); // a's wall clock jumps a day: nothing changes either
    assertThat(witness.renew(TicketRequest.renew("pbx", "a", true, TTL, 1)).granted()).isTrue();
    assertThat(b.witness().acquire(acquire("b")).granted()).isFalse();
  }

  @Test
  void aTakeoverRacingARenewalFails() {
    witness.acquire(acquire("a"));
    // b's client: after b reads the item, a's renewal lands before b's conditional write.
    AtomicLong bNanos = new AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean renewAfterRead =
        new java.util.concurrent.atomic.AtomicBoolean();
    software.amazon.awssdk.services.dynamodb.DynamoDbClient racing =
        (software.amazon.awssdk.services.dynamodb.DynamoDbClient)
            java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {software.amazon.awssdk.services.dynamodb.DynamoDbClient.class},
                (proxy, method, args) -> {
                  Object result;
                  try {
                    result = method.invoke(aws.dynamoDb(), args);
                  } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                  }
                  if (method.getName().equals("getItem") && renewAfterRead.getAndSet(false)) {
                    witness.renew(TicketRequest.renew("pbx", "a", true, TTL, 1));
                  }
                  return result;
                });
    DynamoDbWitness b =
        new DynamoDbWitness(racing, "eu-west-1", "tandem-witness", GRACE, clock, bNanos::get);
    assertThat(b.acquire(acquire("b")).granted()).isFalse();
    bNanos.addAndGet(TTL.plus(GRACE).toNanos());
    renewAfterRead.set(true);
    TicketResult raced = b.acquire(acquire("b"));
    assertThat(raced.granted()).isFalse();
    assertThat(raced.reason()).isEqualTo("refused: the ticket changed while this site took it");
    assertThat(witness.observe("pbx")).get().extracting(Ticket::holder).isEqualTo("a");
  }

  @Test
  void theCounterIsLiftedPastAPresentedEpoch() {
    // e.g. the table was recreated: the agents know epochs the item does not
    TicketResult a = witness.acquire(TicketRequest.acquire("pbx", "a", true, TTL, 8));
    assertThat(a.ticket().epoch()).isEqualTo(9);
    Agent b = agent(clock);
    assertThat(b.witness().renew(TicketRequest.renew("pbx", "b", true, TTL, 20)).granted())
        .isFalse();
    TicketResult stale = witness.renew(TicketRequest.renew("pbx", "a", true, TTL, 9));
    assertThat(stale.granted()).as("a newer epoch is known: a's lease is stale").isFalse();
    b.advance(TTL.plus(GRACE));
    b.witness().acquire(acquire("b"));
    b.advance(TTL.plus(GRACE));
    TicketResult taken = b.witness().acquire(acquire("b"));
    assertThat(taken.granted()).as(taken.reason()).isTrue();
    assertThat(taken.ticket().epoch()).isEqualTo(21);
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
    assertThat(counter.calls()).containsEntry("DynamoDb.UpdateItem", 3L);
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
  void anUnhealthySiteIsRefusedUnlessForcedWithTheOperatorsAcknowledgement() {
    TicketResult sick = witness.acquire(TicketRequest.acquire("pbx", "a", false, TTL));
    assertThat(sick.granted()).isFalse();
    assertThat(sick.reason()).contains("unhealthy");
    witness.acquire(acquire("b"));
    TicketResult unacknowledged =
        witness.acquire(new TicketRequest("pbx", "a", false, TTL, 0, true));
    assertThat(unacknowledged.granted()).isFalse();
    assertThat(unacknowledged.reason())
        .startsWith("refused: a forced acquire needs the operator's acknowledgement");
    witness.release("pbx", "b", 1);
    TicketResult forced = witness.acquire(forced("a"));
    assertThat(forced.granted()).as("a free ticket: health skipped").isTrue();
    assertThat(forced.ticket().epoch()).isEqualTo(2);
  }

  private static TicketRequest forced(String site) {
    return TicketRequest.forced("pbx", site, false, TTL, 0, TicketRequest.FORCE_ACKNOWLEDGEMENT);
  }

  /**
   * docs/witness-protocol.md rule 2: a forced acquire preempts the holder at once (a newer epoch is
   * written, so its renewals fail, answered without its own ticket) but takes the ticket only after
   * TTL + grace observed from then on its own clock.
   */
  @Test
  void aForcedAcquirePreemptsTheHolderAndWaitsOutItsLease() {
    assertThat(witness.acquire(acquire("a")).granted()).isTrue();
    Agent b = agent(clock);
    TicketResult first = b.witness().acquire(forced("b"));
    assertThat(first.granted()).as("a may still serve").isFalse();
    assertThat(first.reason())
        .isEqualTo(
            "forced acquire: waiting 11.0 s for a's ticket to lapse (preempted: its renewals are"
                + " refused; granted at once if it releases)");
    TicketResult renewal = witness.renew(TicketRequest.renew("pbx", "a", true, TTL, 1));
    assertThat(renewal.granted()).isFalse();
    assertThat(renewal.ticket()).as("lost, not refused for another reason").isNull();
    b.advance(TTL.plus(GRACE).minusMillis(1));
    assertThat(b.witness().acquire(forced("b")).reason()).startsWith("forced acquire: waiting 0.0");
    b.advance(Duration.ofMillis(1));
    TicketResult taken = b.witness().acquire(forced("b"));
    assertThat(taken.granted()).as(taken.reason()).isTrue();
    assertThat(taken.reason()).isEqualTo("force-granted epoch 3");
  }

  @Test
  void aForcedAcquireIsGrantedAtOnceWhenThePreemptedHolderReleases() {
    assertThat(witness.acquire(acquire("a")).granted()).isTrue();
    Agent b = agent(clock);
    assertThat(b.witness().acquire(forced("b")).granted()).isFalse();
    witness.release("pbx", "a", 1); // a fenced (its renewal was refused) and says so
    TicketResult taken = b.witness().acquire(forced("b"));
    assertThat(taken.granted()).as(taken.reason()).isTrue();
    assertThat(taken.ticket().epoch()).isEqualTo(3);
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
