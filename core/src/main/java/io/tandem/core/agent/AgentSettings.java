package io.tandem.core.agent;

import io.tandem.core.error.ConfigException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Immutable settings of one agent's decision loop. Build with {@link #builder()}; {@code build()}
 * validates and names the offending field. The app maps the YAML configuration onto this.
 *
 * <p>Timing invariant (as Patroni's {@code loop_wait + 2*retry_timeout <= ttl}): {@code
 * renewInterval + 2 * retryTimeout + fenceLead + driftMargin <= ticketTtl}, so a renewal that fails
 * twice can still be retried, and fencing still completes, before the local deadline.
 *
 * @param cluster cluster name
 * @param site this site
 * @param priority lower is preferred (the "primary" has the lowest)
 * @param peers every other site of the cluster (all must confirm for the failsafe)
 * @param tick decision loop period
 * @param ticketTtl lease asked of the witness; also the duration of a peer promise
 * @param renewInterval how often the active renews (default TTL/3)
 * @param witnessGrace the witness's grace (informational: bounds failover time)
 * @param driftMargin subtracted from every lease and promise measured on our clock
 * @param fenceLead how long before the local deadline the self-fence fires (default one tick)
 * @param retryTimeout how long a witness request may go unanswered before it counts as failed
 * @param peerReportTimeout how old a peer report may be and still count (default 3 ticks)
 * @param autoFailback whether the active hands back to a preferred site on its own
 * @param failbackStablePeriod how long the preferred site must look good before a failback
 * @param keepRunningWithoutWitness UNSAFE escape hatch: keep serving with no witness and no ticket
 * @param witnessOutageFailsafe keep serving through a witness outage while all peers promise
 * @param startupHold how long a started agent waits before acquiring (covers promises made by its
 *     previous incarnation; default TTL + drift margin)
 * @param historySize decisions kept for the API
 */
public record AgentSettings(
    String cluster,
    String site,
    int priority,
    Set<String> peers,
    Duration tick,
    Duration ticketTtl,
    Duration renewInterval,
    Duration witnessGrace,
    Duration driftMargin,
    Duration fenceLead,
    Duration retryTimeout,
    Duration peerReportTimeout,
    boolean autoFailback,
    Duration failbackStablePeriod,
    boolean keepRunningWithoutWitness,
    boolean witnessOutageFailsafe,
    Duration startupHold,
    int historySize) {

  public AgentSettings {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(site, "site");
    peers = Set.copyOf(peers);
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
        .tick(tick)
        .ticketTtl(ticketTtl)
        .renewInterval(renewInterval)
        .witnessGrace(witnessGrace)
        .driftMargin(driftMargin)
        .fenceLead(fenceLead)
        .retryTimeout(retryTimeout)
        .peerReportTimeout(peerReportTimeout)
        .autoFailback(autoFailback)
        .failbackStablePeriod(failbackStablePeriod)
        .keepRunningWithoutWitness(keepRunningWithoutWitness)
        .witnessOutageFailsafe(witnessOutageFailsafe)
        .startupHold(startupHold)
        .historySize(historySize);
  }

  /**
   * Builds validated settings. Defaults: tick 1 s, TTL 10 s, renew TTL/3, grace 2 s, drift margin
   * 300 ms, fence lead = tick, retry timeout 1 s, peer report timeout 3 ticks, no auto failback
   * (stable period 5 min), keep running without witness off, failsafe on, startup hold TTL + drift
   * margin, history 500. Not thread-safe.
   */
  public static final class Builder {
    private String cluster;
    private String site;
    private int priority = 100;
    private Set<String> peers = Set.of();
    private Duration tick = Duration.ofSeconds(1);
    private Duration ticketTtl = Duration.ofSeconds(10);
    private Duration renewInterval;
    private Duration witnessGrace = Duration.ofSeconds(2);
    private Duration driftMargin = Duration.ofMillis(300);
    private Duration fenceLead;
    private Duration retryTimeout = Duration.ofSeconds(1);
    private Duration peerReportTimeout;
    private boolean autoFailback;
    private Duration failbackStablePeriod = Duration.ofMinutes(5);
    private boolean keepRunningWithoutWitness;
    private boolean witnessOutageFailsafe = true;
    private Duration startupHold;
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

    public Builder tick(Duration v) {
      tick = v;
      return this;
    }

    public Builder ticketTtl(Duration v) {
      ticketTtl = v;
      return this;
    }

    public Builder renewInterval(Duration v) {
      renewInterval = v;
      return this;
    }

    public Builder witnessGrace(Duration v) {
      witnessGrace = v;
      return this;
    }

    public Builder driftMargin(Duration v) {
      driftMargin = v;
      return this;
    }

    public Builder fenceLead(Duration v) {
      fenceLead = v;
      return this;
    }

    public Builder retryTimeout(Duration v) {
      retryTimeout = v;
      return this;
    }

    public Builder peerReportTimeout(Duration v) {
      peerReportTimeout = v;
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

    public Builder startupHold(Duration v) {
      startupHold = v;
      return this;
    }

    public Builder historySize(int v) {
      historySize = v;
      return this;
    }

    /**
     * @throws ConfigException naming the field when a value is missing, out of range, or breaks the
     *     timing invariant
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
      positive("agent.tick", tick);
      positive("agent.ticketTtl", ticketTtl);
      Duration renew = renewInterval != null ? renewInterval : ticketTtl.dividedBy(3);
      positive("agent.renewInterval", renew);
      nonNegative("agent.witnessGrace", witnessGrace);
      nonNegative("agent.driftMargin", driftMargin);
      Duration lead = fenceLead != null ? fenceLead : tick;
      nonNegative("agent.fenceLead", lead);
      positive("agent.retryTimeout", retryTimeout);
      Duration peerTimeout = peerReportTimeout != null ? peerReportTimeout : tick.multipliedBy(3);
      positive("agent.peerReportTimeout", peerTimeout);
      positive("agent.failbackStablePeriod", failbackStablePeriod);
      Duration hold = startupHold != null ? startupHold : ticketTtl.plus(driftMargin);
      nonNegative("agent.startupHold", hold);
      if (hold.compareTo(ticketTtl) < 0) {
        throw new ConfigException(
            "agent.startupHold: expected >= agent.ticketTtl ("
                + ticketTtl
                + ") so a restarted agent honours promises its previous run made, was "
                + hold);
      }
      if (historySize < 1) {
        throw new ConfigException("agent.historySize: expected >= 1, was " + historySize);
      }
      Duration budget = renew.plus(retryTimeout.multipliedBy(2)).plus(lead).plus(driftMargin);
      if (budget.compareTo(ticketTtl) > 0) {
        throw new ConfigException(
            "agent.ticketTtl: expected >= renewInterval + 2*retryTimeout + fenceLead + driftMargin"
                + " = "
                + budget
                + ", was "
                + ticketTtl);
      }
      if (tick.compareTo(renew) > 0) {
        throw new ConfigException(
            "agent.tick: expected <= agent.renewInterval (" + renew + "), was " + tick);
      }
      return new AgentSettings(
          cluster,
          site,
          priority,
          peers,
          tick,
          ticketTtl,
          renew,
          witnessGrace,
          driftMargin,
          lead,
          retryTimeout,
          peerTimeout,
          autoFailback,
          failbackStablePeriod,
          keepRunningWithoutWitness,
          witnessOutageFailsafe,
          hold,
          historySize);
    }

    private static void requireName(String field, String v) {
      if (v == null || v.isBlank()) {
        throw new ConfigException(field + ": expected a non-empty name, was missing");
      }
    }

    private static void positive(String field, Duration v) {
      if (v == null || v.isNegative() || v.isZero()) {
        throw new ConfigException(field + ": expected a positive duration, was " + v);
      }
    }

    private static void nonNegative(String field, Duration v) {
      if (v == null || v.isNegative()) {
        throw new ConfigException(field + ": expected a non-negative duration, was " + v);
      }
    }
  }
}
