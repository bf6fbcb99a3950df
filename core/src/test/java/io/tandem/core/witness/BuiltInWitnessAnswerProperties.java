package io.tandem.core.witness;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The datagram listener's allocation-free renewal and read ({@link
 * BuiltInWitness#renewIfImmediateVerified(BuiltInWitness.Served, String, boolean, long, long,
 * WitnessAnswer)}, {@link BuiltInWitness#observeIfImmediateVerified(BuiltInWitness.Served, String,
 * WitnessAnswer)}) answer what the general ones answer (the expiry label at most 1 ms earlier, read
 * from the wall clock's milliseconds), and leave the same state: two witnesses on equal clocks take
 * the same random histories (acquires, releases, time, renewals by holder and others under any
 * epoch and TTL, reads), one through each path.
 */
class BuiltInWitnessAnswerProperties {

  private static final WitnessSettings SETTINGS =
      WitnessSettings.builder()
          .grace(Duration.ofMillis(700))
          .minTtl(Duration.ofMillis(500))
          .maxTtl(Duration.ofSeconds(4))
          .build();

  /** One step of a history. */
  record Step(int op, String site, long epoch, long ttlMillis, boolean healthy, int millis) {}

  @Property(tries = 200)
  void theListenersPathAnswersAsTheGeneralOne(@ForAll("histories") List<Step> history) {
    BuiltInWitnessTest.ManualClock generalClock = new BuiltInWitnessTest.ManualClock();
    BuiltInWitnessTest.ManualClock listenerClock = new BuiltInWitnessTest.ManualClock();
    InMemoryWitnessStateStore generalStore = new InMemoryWitnessStateStore();
    InMemoryWitnessStateStore listenerStore = new InMemoryWitnessStateStore();
    BuiltInWitness general =
        new BuiltInWitness(
            SETTINGS, generalClock, generalClock, generalStore, SiteAuthenticator.inProcess());
    BuiltInWitness listener =
        new BuiltInWitness(
            SETTINGS, listenerClock, listenerClock, listenerStore, SiteAuthenticator.inProcess());
    BuiltInWitness.Served g = general.served("pbx");
    BuiltInWitness.Served l = listener.served("pbx");
    WitnessAnswer answer = new WitnessAnswer();
    for (Step s : history) {
      Duration ttl = Duration.ofMillis(s.ttlMillis());
      switch (s.op()) {
        case 0 -> {
          TicketRequest acquire = TicketRequest.acquire("pbx", s.site(), s.healthy(), ttl, 0);
          assertThat(listener.acquire(acquire)).isEqualTo(general.acquire(acquire));
        }
        case 1 -> {
          general.release("pbx", s.site(), s.epoch());
          listener.release("pbx", s.site(), s.epoch());
        }
        case 2 -> {
          generalClock.advance(s.millis() / 1000.0);
          listenerClock.advance(s.millis() / 1000.0);
        }
        case 3 -> {
          Optional<TicketResult> expected =
              general.renewIfImmediateVerified(
                  g, TicketRequest.renew("pbx", s.site(), s.healthy(), ttl, s.epoch()));
          boolean answered =
              listener.renewIfImmediateVerified(
                  l, s.site(), s.healthy(), s.epoch(), s.ttlMillis(), answer);
          assertThat(answered).as("answered at once").isEqualTo(expected.isPresent());
          if (expected.isPresent()) {
            assertSame(answer, expected.get());
          } else {
            TicketRequest renew = TicketRequest.renew("pbx", s.site(), s.healthy(), ttl, s.epoch());
            assertThat(listener.renewVerified(renew)).isEqualTo(general.renewVerified(renew));
          }
        }
        default -> {
          Optional<Optional<Ticket>> expected = general.observeIfImmediateVerified(g);
          assertThat(listener.observeIfImmediateVerified(l, "observed", answer)).isTrue();
          assertSame(answer, TicketResult.refused(expected.orElseThrow().orElse(null), "observed"));
        }
      }
      assertThat(listener.observe("pbx")).isEqualTo(general.observe("pbx"));
      assertThat(listener.lastEpoch("pbx")).isEqualTo(general.lastEpoch("pbx"));
      assertThat(listenerStore.loadAll()).isEqualTo(generalStore.loadAll());
    }
  }

  private static void assertSame(WitnessAnswer actual, TicketResult expected) {
    WitnessAnswer want = WitnessAnswer.of(expected);
    assertThat(actual.granted()).as("granted").isEqualTo(want.granted());
    assertThat(actual.reason()).as("reason").isEqualTo(want.reason());
    assertThat(actual.holder()).as("holder").isEqualTo(want.holder());
    assertThat(actual.epoch()).as("epoch").isEqualTo(want.epoch());
    // the label is read from the wall clock's ms (no Instant): at most 1 ms earlier, never later
    assertThat(actual.expiryMillis())
        .as("expiry")
        .isBetween(want.expiryMillis() - 1, want.expiryMillis());
    assertThat(actual.ttlMillis()).as("ttl").isEqualTo(want.ttlMillis());
  }

  @Provide
  Arbitrary<List<Step>> histories() {
    Arbitrary<Step> step =
        Combinators.combine(
                Arbitraries.integers().between(0, 4),
                Arbitraries.of("a", "b"),
                Arbitraries.longs().between(0, 5),
                Arbitraries.of(100L, 500L, 1000L, 2000L, 3000L, 4000L, 9000L),
                Arbitraries.of(true, true, false),
                Arbitraries.integers().between(1, 5000))
            .as(Step::new);
    return step.list().ofMinSize(1).ofMaxSize(60);
  }
}
