package io.tandem.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Whatever the numbers, a Timings that builds satisfies every invariant, and vice versa. */
class TimingsProperties {

  @Property(tries = 1000)
  void buildsExactlyWhenEveryInvariantHolds(
      @ForAll @IntRange(min = 1, max = 5_000) int tickMs,
      @ForAll @IntRange(min = 1, max = 60_000) int ttlMs,
      @ForAll @IntRange(min = 1, max = 20_000) int renewMs,
      @ForAll @IntRange(min = 1, max = 10_000) int graceMs,
      @ForAll @IntRange(min = 0, max = 10_000) int driftMs,
      @ForAll @IntRange(min = 1, max = 30_000) int retryMs,
      @ForAll @IntRange(min = 0, max = 10_000) int leadMs) {
    Duration tick = Duration.ofMillis(tickMs);
    Duration ttl = Duration.ofMillis(ttlMs);
    Duration renew = Duration.ofMillis(renewMs);
    Duration grace = Duration.ofMillis(graceMs);
    Duration drift = Duration.ofMillis(driftMs);
    Duration retry = Duration.ofMillis(retryMs);
    Duration lead = Duration.ofMillis(leadMs);
    Duration third = ttl.dividedBy(3);
    boolean holds =
        tick.compareTo(Timings.MIN_TICK) >= 0
            && retry.compareTo(Timings.MIN_RETRY_TIMEOUT) >= 0
            && ttl.compareTo(Timings.MIN_TICKET_TTL) >= 0
            && renew.plus(retry.multipliedBy(2)).plus(lead).plus(drift).compareTo(ttl) <= 0
            && renew.compareTo(third) <= 0
            && renew.compareTo(tick) >= 0
            && drift.compareTo(third) < 0
            && lead.compareTo(tick) >= 0
            && grace.compareTo(tick) >= 0
            && tick.multipliedBy(3).compareTo(tick) >= 0; // default peerReportTimeout = 3 ticks
    Timings.Builder b =
        Timings.builder()
            .tick(tick)
            .ticketTtl(ttl)
            .renewInterval(renew)
            .witnessGrace(grace)
            .driftMargin(drift)
            .retryTimeout(retry)
            .fenceLead(lead);
    assertThat(b.violations().isEmpty()).isEqualTo(holds);
    if (holds) {
      Timings t = b.build();
      // What the witness protocol relies on. Patroni's rule is the special case of I1.
      assertThat(t.tick().plus(t.retryTimeout().multipliedBy(2)))
          .isLessThanOrEqualTo(t.ticketTtl());
      assertThat(t.renewInterval().multipliedBy(3)).isLessThanOrEqualTo(t.ticketTtl().plusNanos(2));
      assertThat(t.startupHold()).isGreaterThanOrEqualTo(t.ticketTtl());
    }
  }
}
