package io.tandem.core.config;

import java.time.Duration;

/**
 * The timings Tandem shipped before issue 17.1 (tick 1 s, ticket TTL 10 s, renewal every 3.33 s,
 * grace 2 s, drift margin 300 ms, retry timeout 1 s, fence lead 1 s, sensors every 2 s, fall 3).
 * Still a valid configuration; tests whose expectations are written in those seconds pin them here,
 * while the safety and liveness properties run at the shipped defaults.
 */
public final class ClassicTimings {

  public static final Timings CLASSIC =
      Timings.builder()
          .tick(Duration.ofSeconds(1))
          .ticketTtl(Duration.ofSeconds(10))
          .renewInterval(Duration.ofSeconds(10).dividedBy(3))
          .witnessGrace(Duration.ofSeconds(2))
          .driftMargin(Duration.ofMillis(300))
          .retryTimeout(Duration.ofSeconds(1))
          .fenceLead(Duration.ofSeconds(1))
          .fall(3)
          .sensorInterval(Duration.ofSeconds(2))
          .sensorTimeout(Duration.ofSeconds(1))
          .build();

  private ClassicTimings() {}
}
