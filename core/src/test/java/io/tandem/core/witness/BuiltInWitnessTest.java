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

  /** The grace these expectations are written for (the shipped default is 500 ms since 17.1). */
  private static final WitnessSettings SETTINGS =
      WitnessSettings.builder().grace(java.time.Duration.ofSeconds(2)).build();

  private static final Duration TTL = Duration.ofSeconds(10);

  /**
   * The witness's two clocks, moved by hand: {@link #advance} moves both (time passes), {@link
   * #stepWall} only the wall clock (NTP or an operator stepping it).
   */
  static final class ManualClock extends Clock implements java.util.function.LongSupplier {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    long nanos = 5_000_000_000L;

    @Override
    public long getAsLong() {
      return nanos;
    }

    void stepWall(double seconds) {
      now = now.plusNanos((long) (seconds * 1e9));
    }

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
      nanos += (long) (seconds * 1e9);
    }
  }

  private final ManualClock clock = new ManualClock();
  private final InMemoryWitnessStateStore store = new InMemoryWitnessStateStore();

  private BuiltInWitness witness() {
    return new BuiltInWitness(SETTINGS, clock, clock, store, SiteAuthenticator.inProcess());
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
    assertThat(w.renew(TicketRequest.renew("pbx", "a", true, TTL, 0)).granted()).isFalse();
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

  private static TicketRequest forced(String site, boolean healthy) {
    return TicketRequest.forced("pbx", site, healthy, TTL, 0, TicketRequest.FORCE_ACKNOWLEDGEMENT);
  }

  @Test
  void aForcedAcquirePreemptsTheHolderButWaitsForItsTicketToLapse() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    clock.advance(2.8);
    TicketResult r = w.acquire(forced("b", false));
    assertThat(r.granted()).as("the old holder may still serve").isFalse();
    assertThat(r.reason())
        .isEqualTo(
            "forced acquire: waiting 9.2 s for a's ticket to lapse (preempted: its renewals are"
                + " refused; granted at once if it releases)");
    // preempted at once: the holder's next renewal is refused and names no ticket of its own
    TicketResult renewal = w.renew(TicketRequest.renew("pbx", "a", true, TTL, 1));
    assertThat(renewal.granted()).isFalse();
    assertThat(renewal.ticket()).isNull();
    assertThat(renewal.reason()).isEqualTo("refused: epoch 2 is newer than a@1");
    // nobody else (not even the old holder) takes it meanwhile
    TicketResult other = w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    assertThat(other.granted()).isFalse();
    assertThat(other.reason()).isEqualTo("refused: b's forced acquire is waiting for the ticket");
    clock.advance(9.1);
    assertThat(w.acquire(forced("b", false)).reason())
        .startsWith("forced acquire: waiting 0.1 s for a's ticket");
    clock.advance(0.2);
    TicketResult granted = w.acquire(forced("b", false));
    assertThat(granted.granted()).as("health skipped, expiry + grace waited out").isTrue();
    assertThat(granted.ticket().epoch()).isEqualTo(3);
    assertThat(granted.reason()).isEqualTo("force-granted epoch 3");
  }

  @Test
  void aForcedAcquireIsGrantedAtOnceWhenThePreemptedHolderReleases() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    assertThat(w.acquire(forced("b", true)).granted()).isFalse();
    w.release("pbx", "a", 1); // the holder fenced (its renewal was refused) and says so
    TicketResult r = w.acquire(forced("b", true));
    assertThat(r.granted()).isTrue();
    assertThat(r.ticket().holder()).isEqualTo("b");
    assertThat(r.ticket().epoch()).isEqualTo(3);
  }

  @Test
  void aForcedAcquireOfAFreeTicketSkipsTheHealthCheck() {
    BuiltInWitness w = witness();
    TicketResult r = w.acquire(forced("b", false));
    assertThat(r.granted()).isTrue();
    assertThat(r.reason()).isEqualTo("force-granted epoch 1");
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
  void aTtlAboveTheMaximumIsCutAndOneBelowTheMinimumIsRefused() {
    BuiltInWitness w = witness();
    TicketResult r = w.acquire(TicketRequest.acquire("pbx", "a", true, Duration.ofHours(1)));
    assertThat(r.ticket().ttl()).isEqualTo(Duration.ofSeconds(60));
    TicketResult tooShort =
        w.acquire(TicketRequest.acquire("other", "a", true, Duration.ofMillis(400)));
    assertThat(tooShort.granted()).as("never silently raised to the minimum").isFalse();
    assertThat(tooShort.reason())
        .isEqualTo(
            "refused: ttl 400 ms is below this witness's minimum of 500 ms"
                + " (configure timings.ticketTtl >= the minimum)");
    assertThat(w.renew(TicketRequest.renew("pbx", "a", true, Duration.ofMillis(400), 1)).granted())
        .isFalse();
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
        new BuiltInWitness(SETTINGS, clock, clock, broken, SiteAuthenticator.inProcess());
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
        new BuiltInWitness(SETTINGS, clock, clock, new FileWitnessStateStore(dir), auth);
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
    String lastHolder = null;
    long epoch = 0;
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
        Ticket won = granted.getFirst().ticket();
        // The last holder winning again keeps its epoch; anyone else gets the next one.
        assertThat(won.epoch()).isEqualTo(won.holder().equals(lastHolder) ? epoch : epoch + 1);
        lastHolder = won.holder();
        epoch = won.epoch();
        clock.advance(12.1); // past expiry + grace: the next round may grant again
      }
    }
    assertThat(store.loadAll().get("pbx").epoch()).isEqualTo(epoch);
  }

  // --- 12.11: an epoch is never issued twice ---

  @Test
  void anAcquireByTheCurrentHolderKeepsItsEpoch() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    clock.advance(5);
    TicketResult again = w.acquire(TicketRequest.acquire("pbx", "a", true, TTL, 1));
    assertThat(again.granted()).isTrue();
    assertThat(again.ticket().epoch()).isEqualTo(1);
    assertThat(again.reason()).isEqualTo("holds epoch 1");
    assertThat(again.ticket().expiry())
        .as("extended like a renewal")
        .isEqualTo(clock.now.plus(TTL));
    assertThat(store.saves()).as("nothing new to persist").isEqualTo(1);
    clock.advance(30); // expired, nobody else took it: still the holder's epoch
    assertThat(w.acquire(TicketRequest.acquire("pbx", "a", true, TTL)).ticket().epoch())
        .isEqualTo(1);
  }

  @Test
  void theCounterIsLiftedPastAnyEpochASitePresents() {
    BuiltInWitness w = witness(); // e.g. its state was lost: it knows no epoch
    TicketResult renewal = w.renew(TicketRequest.renew("pbx", "a", true, TTL, 8));
    assertThat(renewal.granted()).as("an unknown holder is never renewed").isFalse();
    assertThat(w.lastEpoch("pbx")).isEqualTo(8);
    assertThat(store.loadAll().get("pbx").epoch()).as("the lift is durable").isEqualTo(8);
    assertThat(w.acquire(TicketRequest.acquire("pbx", "b", true, TTL)).ticket().epoch())
        .isEqualTo(9);
    w.release("pbx", "b", 9);
    TicketResult acquire = w.acquire(TicketRequest.acquire("pbx", "c", true, TTL, 20));
    assertThat(acquire.ticket().epoch()).as("an acquire presents the epoch it knows").isEqualTo(21);
    w.release("pbx", "x", 30);
    clock.advance(60);
    assertThat(w.acquire(TicketRequest.acquire("pbx", "d", true, TTL)).ticket().epoch())
        .as("a release presents its epoch too")
        .isEqualTo(31);
  }

  @Test
  void aHolderOverTakenByANewerPresentedEpochIsNoLongerRenewed() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "b", true, TTL)); // epoch 1, e.g. an old backup
    TicketResult a = w.acquire(TicketRequest.acquire("pbx", "a", true, TTL, 8));
    assertThat(a.granted()).as("b's lease still stands").isFalse();
    TicketResult b = w.renew(TicketRequest.renew("pbx", "b", true, TTL, 1));
    assertThat(b.granted()).isFalse();
    assertThat(b.reason()).isEqualTo("refused: epoch 8 is newer than b@1");
    clock.advance(12.1);
    assertThat(w.acquire(TicketRequest.acquire("pbx", "a", true, TTL)).ticket().epoch())
        .isEqualTo(9);
  }

  @Test
  void anEditedStateFileStopsTheWitnessInsteadOfIssuingAnEpochTwice(@TempDir Path dir)
      throws Exception {
    try (FileWitnessStateStore files = new FileWitnessStateStore(dir)) {
      BuiltInWitness w =
          new BuiltInWitness(SETTINGS, clock, clock, files, SiteAuthenticator.inProcess());
      for (int i = 0; i < 8; i++) {
        w.acquire(TicketRequest.acquire("pbx", i % 2 == 0 ? "a" : "b", true, TTL));
        clock.advance(12.1);
      }
      assertThat(w.lastEpoch("pbx")).isEqualTo(8);
    }
    Path log = dir.resolve("witness.0.log");
    String text = java.nio.file.Files.readString(log);
    assertThat(text).contains(" epoch=8 ");
    java.nio.file.Files.writeString(log, text.replace(" epoch=8 ", " epoch=3 "));
    assertThatThrownBy(
            () ->
                new BuiltInWitness(
                    SETTINGS,
                    clock,
                    clock,
                    new FileWitnessStateStore(dir),
                    SiteAuthenticator.inProcess()))
        .isInstanceOf(io.tandem.core.error.ConfigException.class)
        .hasMessageStartingWith("witness state file " + log + " line 8 is damaged: checksum");
  }

  // --- 12.10: tickets are timed on the witness's monotonic clock ---

  @Test
  void aForwardStepOfTheWallClockDoesNotShortenATicket() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    clock.advance(1);
    clock.stepWall(30);
    assertThat(w.acquire(TicketRequest.acquire("pbx", "b", true, TTL)).granted()).isFalse();
    clock.advance(10.9); // 11.9 s after the grant: grace not yet over
    assertThat(w.acquire(TicketRequest.acquire("pbx", "b", true, TTL)).granted()).isFalse();
    clock.advance(0.2);
    assertThat(w.acquire(TicketRequest.acquire("pbx", "b", true, TTL)).granted()).isTrue();
  }

  @Test
  void aBackwardStepOfTheWallClockDoesNotLengthenATicket() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    clock.stepWall(-3600);
    clock.advance(12.1);
    assertThat(w.acquire(TicketRequest.acquire("pbx", "b", true, TTL)).granted()).isTrue();
  }

  @Test
  void afterARestartOnlyTheHolderIsGrantedUntilAFullTtlPlusGraceWhateverTheWallClockSays() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    clock.advance(9);
    w.renew(TicketRequest.renew("pbx", "a", true, TTL, 1)); // not persisted: expires at 19 s
    clock.advance(1);
    clock.stepWall(3600); // the restart also found the wall clock an hour ahead
    clock.nanos = 42; // a new process: its monotonic clock has another origin
    BuiltInWitness restarted = witness();
    clock.advance(11.9);
    assertThat(restarted.acquire(TicketRequest.acquire("pbx", "b", true, TTL)).granted()).isFalse();
    clock.advance(0.2);
    assertThat(restarted.acquire(TicketRequest.acquire("pbx", "b", true, TTL)).ticket().epoch())
        .isEqualTo(2);
  }

  @Test
  void aRenewalThatLengthensTheTtlIsPersistedSoTheRestartCoverSpansIt() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    w.renew(TicketRequest.renew("pbx", "a", true, Duration.ofSeconds(30), 1));
    assertThat(store.loadAll().get("pbx").ttl()).isEqualTo(Duration.ofSeconds(30));
    clock.advance(1);
    BuiltInWitness restarted = witness();
    clock.advance(31.9);
    assertThat(restarted.acquire(TicketRequest.acquire("pbx", "b", true, TTL)).granted()).isFalse();
  }

  // --- 12.12: force needs the operator's acknowledgement ---

  @Test
  void aForcedAcquireWithoutTheOperatorsAcknowledgementIsRefused() {
    BuiltInWitness w = witness();
    w.acquire(TicketRequest.acquire("pbx", "a", true, TTL));
    TicketResult old = w.acquire(new TicketRequest("pbx", "b", true, TTL, 0, true));
    assertThat(old.granted()).as("a client that predates the field").isFalse();
    assertThat(old.reason())
        .isEqualTo(
            "refused: a forced acquire needs the operator's acknowledgement \"I understand another"
                + " site may still be serving\" (this client sent none)");
    TicketResult wrong = w.acquire(TicketRequest.forced("pbx", "b", true, TTL, 0, "yes"));
    assertThat(wrong.granted()).isFalse();
    assertThat(wrong.reason()).endsWith("(this client sent a different sentence)");
    assertThat(w.lastEpoch("pbx")).isEqualTo(1);
  }

  @Test
  void theWitnessAndTheDecisionLoopAskForTheSameSentence() {
    assertThat(TicketRequest.FORCE_ACKNOWLEDGEMENT)
        .isEqualTo(io.tandem.core.agent.OperatorCommand.FORCE_ACKNOWLEDGEMENT);
  }

  // --- 17.3: what a transport may answer on its event loop ---

  @Test
  void anImmediateRenewalNeverWaitsForAGrantBeingMadeDurableNorWrites() throws Exception {
    CountDownLatch saving = new CountDownLatch(1);
    CountDownLatch mayFinish = new CountDownLatch(1);
    WitnessStateStore slow =
        new WitnessStateStore() {
          @Override
          public Map<String, PersistedTicket> loadAll() {
            return Map.of();
          }

          @Override
          public void save(PersistedTicket ticket) {
            if (ticket.holder() != null && ticket.holder().equals("b")) {
              // only pbx's grant proves pbx's lock is held: "other"'s save may come first
              if (ticket.cluster().equals("pbx")) {
                saving.countDown();
              }
              try {
                mayFinish.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }
        };
    BuiltInWitness w =
        new BuiltInWitness(SETTINGS, clock, clock, slow, SiteAuthenticator.inProcess());
    long epoch = w.acquire(TicketRequest.acquire("pbx", "a", true, TTL)).ticket().epoch();
    TicketRequest renew = TicketRequest.renew("pbx", "a", true, TTL, epoch);
    assertThat(w.renewIfImmediate(renew, SiteCredential.NONE))
        .get()
        .extracting(TicketResult::granted)
        .isEqualTo(true);
    assertThat(
            w.renewIfImmediate(
                TicketRequest.renew("pbx", "a", true, TTL.multipliedBy(2), epoch),
                SiteCredential.NONE))
        .as("a longer TTL must be persisted: not immediate")
        .isEmpty();
    assertThat(
            w.renewIfImmediate(TicketRequest.renew("pbx", "a", true, TTL, 99), SiteCredential.NONE))
        .as("a newer epoch must be persisted: not immediate")
        .isEmpty();
    clock.advance(12.1);
    Thread acquiring =
        Thread.ofVirtual().start(() -> w.acquire(TicketRequest.acquire("other", "b", true, TTL)));
    Thread granting =
        Thread.ofVirtual().start(() -> w.acquire(TicketRequest.acquire("pbx", "b", true, TTL)));
    assertThat(saving.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(w.renewIfImmediate(renew, SiteCredential.NONE)).as("the lock is held").isEmpty();
    assertThat(w.observeIfImmediate("pbx", "a", SiteCredential.NONE)).isEmpty();
    mayFinish.countDown();
    granting.join(30_000);
    acquiring.join(30_000);
    assertThat(w.observeIfImmediate("pbx", "a", SiteCredential.NONE))
        .get()
        .satisfies(t -> assertThat(t).get().extracting(Ticket::holder).isEqualTo("b"));
  }
}
