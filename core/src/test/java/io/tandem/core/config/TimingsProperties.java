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
      @ForAll @IntRange(min = 1, max = 30_000) int retryMs) {
    Duration tick = Duration.ofMillis(tickMs);
    Duration ttl = Duration.ofMillis(ttlMs);
    Duration renew = Duration.ofMillis(renewMs);
    Duration grace = Duration.ofMillis(graceMs);
    Duration drift = Duration.ofMillis(driftMs);
    Duration retry = Duration.ofMillis(retryMs);
    Duration third = ttl.dividedBy(3);
    boolean holds =
        tick.plus(retry.multipliedBy(2)).compareTo(ttl) <= 0
            && renew.compareTo(third) <= 0
            && renew.compareTo(tick) >= 0
            && drift.compareTo(third) < 0
            && renew.plus(retry).plus(drift).compareTo(ttl) < 0
            && grace.compareTo(tick) >= 0;
    Timings.Builder b =
        Timings.builder()
            .tick(tick)
            .ticketTtl(ttl)
            .renewInterval(renew)
            .witnessGrace(grace)
            .driftMargin(drift)
            .retryTimeout(retry);
    assertThat(b.violations().isEmpty()).isEqualTo(holds);
    if (holds) {
      Timings t = b.build();
      // What the witness protocol relies on: two renewals may fail, and a hung one still leaves
      // time before the local deadline.
      assertThat(t.renewInterval().multipliedBy(3)).isLessThanOrEqualTo(t.ticketTtl().plusNanos(2));
      assertThat(t.ticketTtl().minus(t.driftMargin())).isGreaterThan(t.renewInterval());
    }
  }
}
