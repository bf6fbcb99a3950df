package io.tandem.app.witness.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How often an agent talks to its witness, as the decision loop does it ({@code AgentCore.tick},
 * {@code TicketHolder}): the holder renews every {@code renewInterval} on a tick, resends an
 * unanswered renewal on every following tick (requests overlap: each is independent, ADR 0007), and
 * polls the ticket on its other ticks only if {@code holderPolls}; the standby asks for the ticket
 * every {@code standbyPoll}. A request unanswered after {@code retryTimeout} is given up (the JDK
 * client then drops its connection).
 *
 * @param name the profile's name in the results
 * @param tick the agent's tick
 * @param ttl the ticket TTL asked for
 * @param renewInterval the holder's renewal period
 * @param standbyPoll the standby's ticket-poll period
 * @param holderPolls whether the holder asks for the ticket on ticks without a renewal
 * @param retryTimeout how long a request may take before the agent gives it up
 */
record AgentProfile(
    String name,
    Duration tick,
    Duration ttl,
    Duration renewInterval,
    Duration standbyPoll,
    boolean holderPolls,
    Duration retryTimeout) {

  /** Main before issue 17 (tick 1 s, TTL 10 s): each site asks every tick, 2 requests/s/cluster. */
  static final AgentProfile CLASSIC =
      new AgentProfile(
          "classic",
          Duration.ofSeconds(1),
          Duration.ofSeconds(10),
          Duration.ofMillis(3333),
          Duration.ofSeconds(1),
          true,
          Duration.ofSeconds(1));

  /**
   * ADR 0007's shipped defaults (tick 100 ms, TTL 2 s, renewal every 300 ms, retry 500 ms) with the
   * polls cut: the holder's renewals prove reachability, the standby asks every 5 ticks.
   */
  static final AgentProfile ADR_0007 =
      new AgentProfile(
          "adr-0007",
          Duration.ofMillis(100),
          Duration.ofSeconds(2),
          Duration.ofMillis(300),
          Duration.ofMillis(500),
          false,
          Duration.ofMillis(500));

  AgentProfile {
    if (tick.isNegative()
        || tick.isZero()
        || renewInterval.compareTo(tick) < 0
        || standbyPoll.compareTo(tick) < 0
        || retryTimeout.isZero()) {
      throw new IllegalArgumentException("not an agent's profile: " + this);
    }
  }

  /**
   * The profile named by {@code -Dbench.profile} ({@code adr-0007}, the default, or {@code
   * classic}), each duration overridable: {@code -Dbench.tickMs}, {@code -Dbench.ttlMs}, {@code
   * -Dbench.renewMs}, {@code -Dbench.standbyPollMs}, {@code -Dbench.holderPolls}, {@code
   * -Dbench.retryMs}.
   */
  static AgentProfile fromSystemProperties() {
    AgentProfile base =
        switch (System.getProperty("bench.profile", ADR_0007.name())) {
          case "classic" -> CLASSIC;
          case "adr-0007" -> ADR_0007;
          default ->
              throw new IllegalArgumentException(
                  "-Dbench.profile: expected adr-0007 or classic, got "
                      + System.getProperty("bench.profile"));
        };
    return new AgentProfile(
        base.name(),
        ms("bench.tickMs", base.tick()),
        ms("bench.ttlMs", base.ttl()),
        ms("bench.renewMs", base.renewInterval()),
        ms("bench.standbyPollMs", base.standbyPoll()),
        Boolean.parseBoolean(
            System.getProperty("bench.holderPolls", String.valueOf(base.holderPolls()))),
        ms("bench.retryMs", base.retryTimeout()));
  }

  private static Duration ms(String property, Duration fallback) {
    return Duration.ofMillis(Long.getLong(property, fallback.toMillis()));
  }

  /** Requests per second per cluster when every answer comes at once. */
  double requestsPerSecondPerCluster() {
    double holder =
        holderPolls ? 1e9 / tick.toNanos() : 1e9 / ticksOf(renewInterval) / tick.toNanos();
    return holder + 1e9 / (ticksOf(standbyPoll) * (double) tick.toNanos());
  }

  /** {@code d} rounded up to whole ticks (the agent acts on ticks). */
  long ticksOf(Duration d) {
    return Math.max(1, (d.toNanos() + tick.toNanos() - 1) / tick.toNanos());
  }

  Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("tick_ms", tick.toMillis());
    m.put("ttl_ms", ttl.toMillis());
    m.put("renew_ms", renewInterval.toMillis());
    m.put("standby_poll_ms", standbyPoll.toMillis());
    m.put("holder_polls", holderPolls);
    m.put("retry_timeout_ms", retryTimeout.toMillis());
    m.put("requests_per_s_per_cluster", AgentLoad.round(requestsPerSecondPerCluster()));
    return m;
  }
}
