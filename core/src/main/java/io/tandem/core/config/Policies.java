package io.tandem.core.config;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What the cluster may do on its own.
 *
 * @param autoFailback return to the preferred site automatically once it is healthy again (default
 *     false: an operator decides)
 * @param failbackStablePeriod how long the preferred site must be healthy before an automatic
 *     failback (default 5m)
 * @param minimumActiveTime a site that became active stays so at least this long unless it fails
 *     (default 2m; anti-flap)
 * @param approvalGates runbook points that wait for an operator's approval (default none)
 * @param keepRunningWithoutWitness keep serving past the ticket when nobody can reach the witness
 *     (default false; unsafe under a partition, see docs/configuration.md)
 * @param witnessOutageFailsafe keep serving past the ticket while the witness alone is down and
 *     every other site confirms on each tick that it is not serving (default true, off when
 *     keepRunningWithoutWitness is set)
 * @param minimumHealthPercent weighted score, in percent, a site needs to count as healthy (default
 *     75); below it the site fails over
 * @param warningHealthPercent weighted score, in percent, below which a healthy site is degraded
 *     (WARN): operators are notified and hooks run, nothing fails over (default 90, or {@code
 *     minimumHealthPercent} when that is higher); at least {@code minimumHealthPercent}
 */
public record Policies(
    boolean autoFailback,
    Duration failbackStablePeriod,
    Duration minimumActiveTime,
    Set<ApprovalGate> approvalGates,
    boolean keepRunningWithoutWitness,
    boolean witnessOutageFailsafe,
    int minimumHealthPercent,
    int warningHealthPercent) {

  public static final Duration DEFAULT_FAILBACK_STABLE_PERIOD = Duration.ofMinutes(5);
  public static final Duration DEFAULT_MINIMUM_ACTIVE_TIME = Duration.ofMinutes(2);

  /**
   * On, as in the decision loop's own defaults, which the deterministic simulation checks (issue 4:
   * on by default only if the simulation proves it safe). The one place to flip.
   */
  public static final boolean DEFAULT_WITNESS_OUTAGE_FAILSAFE = true;

  public static final int DEFAULT_MINIMUM_HEALTH_PERCENT = 75;

  public static final int DEFAULT_WARNING_HEALTH_PERCENT = 90;

  public Policies {
    Objects.requireNonNull(failbackStablePeriod, "failbackStablePeriod");
    Objects.requireNonNull(minimumActiveTime, "minimumActiveTime");
    approvalGates =
        approvalGates.isEmpty()
            ? Set.of()
            : java.util.Collections.unmodifiableSet(EnumSet.copyOf(approvalGates));
  }

  public static Policies defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and validates {@link Policies}. */
  public static final class Builder extends ConfigBuilder<Policies> {
    private Boolean autoFailback;
    private Duration failbackStablePeriod;
    private Duration minimumActiveTime;
    private final Set<ApprovalGate> approvalGates = EnumSet.noneOf(ApprovalGate.class);
    private Boolean keepRunningWithoutWitness;
    private Boolean witnessOutageFailsafe;
    private Integer minimumHealthPercent;
    private Integer warningHealthPercent;

    public Builder autoFailback(Boolean v) {
      autoFailback = v;
      return this;
    }

    public Builder failbackStablePeriod(Duration v) {
      failbackStablePeriod = v;
      return this;
    }

    public Builder minimumActiveTime(Duration v) {
      minimumActiveTime = v;
      return this;
    }

    public Builder approvalGate(ApprovalGate v) {
      approvalGates.add(Objects.requireNonNull(v));
      return this;
    }

    public Builder keepRunningWithoutWitness(Boolean v) {
      keepRunningWithoutWitness = v;
      return this;
    }

    public Builder witnessOutageFailsafe(Boolean v) {
      witnessOutageFailsafe = v;
      return this;
    }

    public Builder minimumHealthPercent(Integer v) {
      minimumHealthPercent = v;
      return this;
    }

    public Builder warningHealthPercent(Integer v) {
      warningHealthPercent = v;
      return this;
    }

    @Override
    protected void check(Violations v) {
      v.positive(failbackStablePeriod, "failbackStablePeriod");
      if (minimumActiveTime != null && minimumActiveTime.isNegative()) {
        v.add("minimumActiveTime", "expected a duration >= 0");
      }
      if (minimumHealthPercent != null
          && (minimumHealthPercent < 0 || minimumHealthPercent > 100)) {
        v.add("minimumHealthPercent", "expected a percentage 0..100, was " + minimumHealthPercent);
      }
      if (warningHealthPercent != null
          && (warningHealthPercent < 0 || warningHealthPercent > 100)) {
        v.add("warningHealthPercent", "expected a percentage 0..100, was " + warningHealthPercent);
      } else if (warningHealthPercent != null) {
        int failing =
            minimumHealthPercent != null ? minimumHealthPercent : DEFAULT_MINIMUM_HEALTH_PERCENT;
        if (warningHealthPercent < failing) {
          v.add(
              "warningHealthPercent",
              "expected at least minimumHealthPercent ("
                  + failing
                  + "): the warning comes before the failover, was "
                  + warningHealthPercent);
        }
      }
      if (Boolean.TRUE.equals(keepRunningWithoutWitness)
          && Boolean.TRUE.equals(witnessOutageFailsafe)) {
        v.add(
            "keepRunningWithoutWitness",
            "expected at most one of keepRunningWithoutWitness and witnessOutageFailsafe:"
                + " keepRunningWithoutWitness serves without the peers' confirmations and so"
                + " overrides the failsafe");
      }
    }

    @Override
    protected Policies create() {
      return new Policies(
          autoFailback != null && autoFailback,
          failbackStablePeriod != null ? failbackStablePeriod : DEFAULT_FAILBACK_STABLE_PERIOD,
          minimumActiveTime != null ? minimumActiveTime : DEFAULT_MINIMUM_ACTIVE_TIME,
          approvalGates,
          keepRunningWithoutWitness != null && keepRunningWithoutWitness,
          witnessOutageFailsafe != null
              ? witnessOutageFailsafe
              // keepRunningWithoutWitness overrides the failsafe: leave it off rather than on
              // and meaningless.
              : DEFAULT_WITNESS_OUTAGE_FAILSAFE && !Boolean.TRUE.equals(keepRunningWithoutWitness),
          minimumHealthPercent != null ? minimumHealthPercent : DEFAULT_MINIMUM_HEALTH_PERCENT,
          warningHealthPercent != null
              ? warningHealthPercent
              : Math.max(
                  DEFAULT_WARNING_HEALTH_PERCENT,
                  minimumHealthPercent != null
                      ? minimumHealthPercent
                      : DEFAULT_MINIMUM_HEALTH_PERCENT));
    }

    @Override
    protected String what() {
      return "policies";
    }
  }
}
