package io.tandem.core.agent;

import io.tandem.core.config.Timings;
import io.tandem.core.error.ConfigException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Immutable settings of one agent's decision loop. Every clock comes from the cluster's {@link
 * Timings} — the one home of the timing rules (Patroni's {@code loop_wait + 2*retry_timeout <= ttl}
 * among them), validated when it is built — so what {@code timings:} says in the cluster file is
 * what the agent runs with; the accessors below read it. Build with {@link #builder()}; {@code
 * build()} validates the rest and names the offending field.
 *
 * @param cluster cluster name
 * @param site this site
 * @param priority lower is preferred (the "primary" has the lowest)
 * @param peers every other site of the cluster (all must confirm for the failsafe)
 * @param timings the cluster's clocks (tick, TTL, renewal, grace, drift margin, fence lead, retry
 *     timeout, peer report timeout, start-up hold; the sensor defaults are read by the sensors)
 * @param autoFailback whether the active hands back to a preferred site on its own
 * @param failbackStablePeriod how long the preferred site must look good before a failback
 * @param keepRunningWithoutWitness UNSAFE escape hatch: keep serving with no witness and no ticket
 * @param witnessOutageFailsafe keep serving through a witness outage while all peers promise
 * @param historySize decisions kept for the API
 */
public record AgentSettings(
    String cluster,
    String site,
    int priority,
    Set<String> peers,
    Timings timings,
    boolean autoFailback,
    Duration failbackStablePeriod,
    boolean keepRunningWithoutWitness,
    boolean witnessOutageFailsafe,
    int historySize) {

  public AgentSettings {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(site, "site");
    Objects.requireNonNull(timings, "timings");
    peers = Set.copyOf(peers);
  }

  /** Decision loop period. */
  public Duration tick() {
    return timings.tick();
  }

  /** Lease asked of the witness; also the duration of a peer promise. */
  public Duration ticketTtl() {
    return timings.ticketTtl();
  }

  /** How often the active renews. */
  public Duration renewInterval() {
    return timings.renewInterval();
  }

  /** The witness's grace after expiry before it hands the ticket on. */
  public Duration witnessGrace() {
    return timings.witnessGrace();
  }

  /** Subtracted from every lease and promise measured on our clock. */
  public Duration driftMargin() {
    return timings.driftMargin();
  }

  /** How long before the local deadline the self-fence fires. */
  public Duration fenceLead() {
    return timings.fenceLead();
  }

  /** How long a witness request may go unanswered before it counts as failed. */
  public Duration retryTimeout() {
    return timings.retryTimeout();
  }

  /**
   * How often a site that does not renew asks the witness for the ticket (issue 17.3): one tick, at
   * least the retry timeout (500 ms, every fifth tick at the defaults; every tick at the classic 1
   * s timings). A holder's renewals prove reachability, so a holder asks only when no request of
   * any kind went out for this long (never at the defaults: it renews every 300 ms). The witness
   * counts as reachable while an answer is at most {@link #witnessReachableWindow} old.
   */
  public Duration witnessPollInterval() {
    Duration tick = timings.tick();
    Duration retry = timings.retryTimeout();
    return tick.compareTo(retry) >= 0 ? tick : retry;
  }

  /** The shortest {@link #witnessReachableWindow}: the shortest ticket any witness grants. */
  public static final Duration MIN_WITNESS_REACHABLE_WINDOW = Timings.MIN_TICKET_TTL;

  /**
   * How old the witness's latest answer may be while the witness still counts as reachable: the
   * poll interval plus the retry timeout (one ask and its answer; 1 s at the defaults, 2 s at the
   * classic timings), and at least {@link #MIN_WITNESS_REACHABLE_WINDOW} (500 ms). A gap shorter
   * than the shortest ticket is no outage — a holder's ticket outlives it — while a host whose
   * threads waited a few hundred milliseconds for a CPU, or a datagram or two lost, would otherwise
   * report the witness lost for a tick at the {@code fast} timings (100 + 100 ms): a standby that
   * stops acquiring, peers that stop counting it ready (ADR 0007, decision 6). Reachability only
   * ever holds an action back or shortens a promise; the ticket decides who may serve.
   */
  public Duration witnessReachableWindow() {
    Duration window = witnessPollInterval().plus(timings.retryTimeout());
    return window.compareTo(MIN_WITNESS_REACHABLE_WINDOW) >= 0
        ? window
        : MIN_WITNESS_REACHABLE_WINDOW;
  }

  /** How old a peer report may be and still count. */
  public Duration peerReportTimeout() {
    return timings.peerReportTimeout();
  }

  /** How long a started agent waits before acquiring (covers its previous run's promises). */
  public Duration startupHold() {
    return timings.startupHold();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .cluster(cluster)
        .site(site)
        .priority(priority)
        .peers(peers)
        .timings(timings)
        .autoFailback(autoFailback)
        .failbackStablePeriod(failbackStablePeriod)
        .keepRunningWithoutWitness(keepRunningWithoutWitness)
        .witnessOutageFailsafe(witnessOutageFailsafe)
        .historySize(historySize);
  }

  /**
   * Builds validated settings. The timing setters feed a {@link Timings.Builder} (so its defaults
   * and rules apply: tick 1 s, TTL 10 s, renew TTL/3, grace 2 s, drift 300 ms, fence lead = tick,
   * retry 1 s, peer reports 3 ticks, start-up hold TTL + drift); {@link #timings} sets them all at
   * once. Other defaults: no auto failback (stable period 5 min), keep running without witness off,
   * failsafe on, history 500. Not thread-safe.
   */
  public static final class Builder {
    private String cluster;
    private String site;
    private int priority = 100;
    private Set<String> peers = Set.of();
    private final Timings.Builder timings = Timings.builder();
    private boolean autoFailback;
    private Duration failbackStablePeriod = Duration.ofMinutes(5);
    private boolean keepRunningWithoutWitness;
    private boolean witnessOutageFailsafe = true;
    private int historySize = 500;

    private Builder() {}

    public Builder cluster(String v) {
      cluster = v;
      return this;
    }

    public Builder site(String v) {
      site = v;
      return this;
    }

    public Builder priority(int v) {
      priority = v;
      return this;
    }

    public Builder peers(Set<String> v) {
      peers = v;
      return this;
    }

    /** Every clock at once, as the cluster file's {@code timings:} says. */
    public Builder timings(Timings t) {
      timings
          .tick(t.tick())
          .ticketTtl(t.ticketTtl())
          .renewInterval(t.renewInterval())
          .witnessGrace(t.witnessGrace())
          .driftMargin(t.driftMargin())
          .retryTimeout(t.retryTimeout())
          .fenceLead(t.fenceLead())
          .peerReportTimeout(t.peerReportTimeout())
          .startupHold(t.startupHold())
          .fall(t.fall())
          .rise(t.rise())
          .sensorInterval(t.sensorInterval())
          .sensorTimeout(t.sensorTimeout());
      return this;
    }

    public Builder tick(Duration v) {
      timings.tick(v);
      return this;
    }

    public Builder ticketTtl(Duration v) {
      timings.ticketTtl(v);
      return this;
    }

    public Builder renewInterval(Duration v) {
      timings.renewInterval(v);
      return this;
    }

    public Builder witnessGrace(Duration v) {
      timings.witnessGrace(v);
      return this;
    }

    public Builder driftMargin(Duration v) {
      timings.driftMargin(v);
      return this;
    }

    public Builder fenceLead(Duration v) {
      timings.fenceLead(v);
      return this;
    }

    public Builder retryTimeout(Duration v) {
      timings.retryTimeout(v);
      return this;
    }

    public Builder peerReportTimeout(Duration v) {
      timings.peerReportTimeout(v);
      return this;
    }

    public Builder startupHold(Duration v) {
      timings.startupHold(v);
      return this;
    }

    public Builder autoFailback(boolean v) {
      autoFailback = v;
      return this;
    }

    public Builder failbackStablePeriod(Duration v) {
      failbackStablePeriod = v;
      return this;
    }

    public Builder keepRunningWithoutWitness(boolean v) {
      keepRunningWithoutWitness = v;
      return this;
    }

    public Builder witnessOutageFailsafe(boolean v) {
      witnessOutageFailsafe = v;
      return this;
    }

    public Builder historySize(int v) {
      historySize = v;
      return this;
    }

    /**
     * @throws ConfigException naming the field when a value is missing or out of range; the
     *     timings' own rules throw {@code InvalidConfigException} naming every timing at fault
     */
    public AgentSettings build() {
      requireName("agent.cluster", cluster);
      requireName("agent.site", site);
      if (peers == null) {
        throw new ConfigException("agent.peers: expected a list of site names, was missing");
      }
      for (String p : peers) {
        requireName("agent.peers[]", p);
        if (p.equals(site)) {
          throw new ConfigException("agent.peers: must not contain this site (" + site + ")");
        }
      }
      if (failbackStablePeriod == null
          || failbackStablePeriod.isNegative()
          || failbackStablePeriod.isZero()) {
        throw new ConfigException(
            "agent.failbackStablePeriod: expected a positive duration, was "
                + failbackStablePeriod);
      }
      if (historySize < 1) {
        throw new ConfigException("agent.historySize: expected >= 1, was " + historySize);
      }
      return new AgentSettings(
          cluster,
          site,
          priority,
          peers,
          timings.build(),
          autoFailback,
          failbackStablePeriod,
          keepRunningWithoutWitness,
          witnessOutageFailsafe,
          historySize);
    }

    private static void requireName(String field, String v) {
      if (v == null || v.isBlank()) {
        throw new ConfigException(field + ": expected a non-empty name, was missing");
      }
    }
  }
}
