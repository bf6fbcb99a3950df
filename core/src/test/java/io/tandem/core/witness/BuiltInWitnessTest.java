package io.tandem.core.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.PermissionException;
import io.tandem.core.error.TransientException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltInWitnessTest {

  private static final Duration TTL = Duration.ofSeconds(10);

  /** A wall clock the test moves by hand. */
  static final class ManualClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }

    void advance(double seconds) {
      now = now.plusNanos((long) (seconds * 1e9));
    }
  }

  private final ManualClock clock = new ManualClock();
  private final InMemoryWitnessStateStore store = new InMemoryWitnessStateStore();

  private BuiltInWitness witness() {
    return new BuiltInWitness(
        WitnessSettings.defaults(), clock, store, SiteAuthenticator.inProcess());
  }

  @Test
  void grantsToAHealthyRequesterWithAGrowingEpoch() {
    BuiltInWitness w = witness();
    TicketResult r = w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    assertThat(r.granted()).isTrue();
    assertThat(r.ticket().epoch()).isEqualTo(1);
    assertThat(r.ticket().expiry()).isEqualTo(clock.now.plus(TTL));
    assertThat(store.loadAll().get("pbx").epoch()).isEqualTo(1);
    assertThat(w.observe("pbx")).get().extracting(Ticket::holder).isEqualTo("a");
  }

  @Test
  void refusesAnUnhealthyRequester() {
    TicketResult r = witness().acquire(TicketRequest.acquire("pbx", "a", false, TTL));
    assertThat(r.granted()).isFalse();
    assertThat(r.reason()).contains("unhealthy");
    assertThat(store.saves()).isZero();
  }

  @Test
  void passesTheTicketOnOnlyAfterExpiryPlusGrace() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    clock.advance(11.9); // expired 1.9 s ago, grace is 2 s
    assertThat(w.acquire(TicketRequest.acquire("pbx", "b", true, TTL)).granted()).isFalse();
    clock.advance(0.2);
    TicketResult r = w.acquire(TicketRequest.acquire("pbx", "b", true, TTL));
    assertThat(r.granted()).isTrue();
    assertThat(r.ticket().epoch()).isEqualTo(2);
    // The old holder's renewal is now refused: someone else holds a newer epoch.
    TicketResult late = w.renew(TicketRequest.renew("pbx", "a", true, TTL, 1));
    assertThat(late.granted()).isFalse();
    assertThat(late.ticket().holder()).isEqualTo("b");
  }

  @Test
  void renewsOnlyTheHolderUnderItsEpoch() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    assertThat(w.renew(TicketRequest.renew("pbx", "a", true, TTL, 2)).granted()).isFalse();
    assertThat(w.renew(TicketRequest.renew("pbx", "b", true, TTL, 1)).granted()).isFalse();
    clock.advance(5);
    TicketResult r = w.renew(TicketRequest.renew("pbx", "a", true, TTL, 1));
    assertThat(r.granted()).isTrue();
    assertThat(r.ticket().expiry()).isEqualTo(clock.now.plus(TTL));
    assertThat(store.saves()).as("renewals are not persisted").isEqualTo(1);
  }

  @Test
  void lateRenewalOfTheStillRecordedHolderIsAccepted() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    clock.advance(30); // witness outage on a's side: nobody took the ticket meanwhile
    assertThat(w.renew(TicketRequest.renew("pbx", "a", true, TTL, 1)).granted()).isTrue();
  }

  @Test
  void forcedAcquireSkipsHealthAndExpiry() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    TicketResult r = w.acquire(new TicketRequest("pbx", "b", false, TTL, 0, true));
    assertThat(r.granted()).isTrue();
    assertThat(r.ticket().epoch()).isEqualTo(2);
    assertThat(r.reason()).startsWith("force-granted");
  }

  @Test
  void releaseIsIdempotentAndFreesTheTicketAtOnce() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    w.release("pbx", "a", 1);
    w.release("pbx", "a", 1);
    w.release("pbx", "b", 1);
    assertThat(w.observe("pbx")).isEmpty();
    TicketResult r = w.acquire(TicketRequest.acquire("pbx", "b", true, TTL));
    assertThat(r.ticket().epoch()).isEqualTo(2);
  }

  @Test
  void ttlIsClampedToTheWitnessLimits() {
    TicketResult r =
        witness().acquire(TicketRequest.acquire("pbx", "a", true, Duration.ofHours(1)));
    assertThat(r.ticket().ttl()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void aRestartNeverHandsOutAnOldEpochAndKeepsTheHolder() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    clock.advance(8);
    w.renew(TicketRequest.renew("pbx", "a", true, TTL, 1)); // not persisted
    clock.advance(9); // persisted expiry passed; the renewal's has not
    BuiltInWitness restarted = witness();
    assertThat(restarted.acquire(TicketRequest.acquire("pbx", "b", true, TTL)).granted())
        .as("the restarted witness covers renewals it did not persist")
        .isFalse();
    assertThat(restarted.renew(TicketRequest.renew("pbx", "a", true, TTL, 1)).granted()).isTrue();
    clock.advance(13);
    TicketResult r = restarted.acquire(TicketRequest.acquire("pbx", "b", true, TTL));
    assertThat(r.ticket().epoch()).isEqualTo(2);
    assertThat(witness().lastEpoch("pbx")).isEqualTo(2);
  }

  @Test
  void aGrantThatCannotBePersistedIsNotGiven() {
    WitnessStateStore broken =
        new WitnessStateStore() {
          @Override
          public Map<String, PersistedTicket> loadAll() {
            return Map.of();
          }

          @Override
          public void save(PersistedTicket ticket) {
            throw new TransientException("disk full");
          }
        };
    BuiltInWitness w =
        new BuiltInWitness(
            WitnessSettings.defaults(), clock, broken, SiteAuthenticator.inProcess());
    assertThatThrownBy(() -> w.acquire(TicketRequest.acquire("pbx", "a", true, TTL)))
        .isInstanceOf(TransientException.class);
    assertThat(w.observe("pbx")).isEmpty();
    assertThat(w.lastEpoch("pbx")).isZero();
  }

  @Test
  void everyRequestIsAuthenticated(@TempDir Path dir) {
    byte[] secretA = "a-secret-of-at-least-16-bytes".getBytes(StandardCharsets.UTF_8);
    SharedSecretAuthenticator auth =
        SharedSecretAuthenticator.of(
            Map.of(
                "a",
                secretA,
                "b",
                "b-secret-of-at-least-16-bytes".getBytes(StandardCharsets.UTF_8)));
    BuiltInWitness w =
        new BuiltInWitness(WitnessSettings.defaults(), clock, new FileWitnessStateStore(dir), auth);
    TicketRequest req = TicketRequest.acquire("pbx", "a", true, TTL);
    assertThat(w.acquire(req, SiteCredential.of(secretA)).granted()).isTrue();
    assertThatThrownBy(
            () ->
                w.acquire(
                    req,
                    SiteCredential.of("wrong-secret-of-16-bytes".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(PermissionException.class)
        .hasMessage("site a failed authentication");
    assertThatThrownBy(
            () ->
                w.renew(TicketRequest.renew("pbx", "b", true, TTL, 1), SiteCredential.of(secretA)))
        .isInstanceOf(PermissionException.class);
    assertThatThrownBy(() -> w.acquire(req))
        .as("no credential")
        .isInstanceOf(PermissionException.class);
  }

  @Test
  void concurrentAcquiresGrantExactlyOneSitePerEpoch() throws Exception {
    BuiltInWitness w = witness();
    int sites = 8;
    try (ExecutorService pool = Executors.newFixedThreadPool(sites)) {
      for (int round = 1; round <= 20; round++) {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<TicketResult>> answers = new ArrayList<>();
        for (int i = 0; i < sites; i++) {
          String site = "s" + i;
          answers.add(
              pool.submit(
                  () -> {
                    start.await();
                    return w.acquire(TicketRequest.acquire("pbx", site, true, TTL));
                  }));
        }
        start.countDown();
        List<TicketResult> granted = new ArrayList<>();
        for (Future<TicketResult> f : answers) {
          TicketResult r = f.get(10, TimeUnit.SECONDS);
          if (r.granted()) {
            granted.add(r);
          }
        }
        assertThat(granted).as("round " + round).hasSize(1);
        assertThat(granted.getFirst().ticket().epoch()).isEqualTo(round);
        clock.advance(12.1); // past expiry + grace: the next round may grant again
      }
    }
    assertThat(store.loadAll().get("pbx").epoch()).isEqualTo(20);
  }
}
