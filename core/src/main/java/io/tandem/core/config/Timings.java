package io.tandem.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The cluster's clocks: decision tick, witness ticket lifetime and renewal, and health defaults.
 * The builder enforces the invariants that keep the witness protocol safe; each is explained in
 * {@code docs/configuration.md}.
 *
 * @param tick decision loop period (default 1 s)
 * @param ticketTtl lifetime of a witness ticket (default 10 s)
 * @param renewInterval how often the holder renews (default ticketTtl / 3)
 * @param witnessGrace extra wait after expiry, on the witness's clock, before the ticket may pass
 *     to another site (default 2 s)
 * @param driftMargin subtracted from the holder's local deadline to cover clock-rate drift (default
 *     500 ms)
 * @param retryTimeout bound on one witness call including its retries (default 3 s)
 * @param fall bad readings in a row before a sensor counts as down (default 3)
 * @param rise good readings in a row before a sensor counts as up again (default 2)
 * @param sensorInterval default sensor interval (default 2 s)
 * @param sensorTimeout default sensor timeout (default 1 s)
 */
public record Timings(
    Duration tick,
    Duration ticketTtl,
    Duration renewInterval,
    Duration witnessGrace,
    Duration driftMargin,
    Duration retryTimeout,
    int fall,
    int rise,
    Duration sensorInterval,
    Duration sensorTimeout) {

  public static final Duration DEFAULT_TICK = Duration.ofSeconds(1);
  public static final Duration DEFAULT_TICKET_TTL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_WITNESS_GRACE = Duration.ofSeconds(2);
  public static final Duration DEFAULT_DRIFT_MARGIN = Duration.ofMillis(500);
  public static final Duration DEFAULT_RETRY_TIMEOUT = Duration.ofSeconds(3);
  public static final int DEFAULT_FALL = 3;
  public static final int DEFAULT_RISE = 2;
  public static final Duration DEFAULT_SENSOR_INTERVAL = Duration.ofSeconds(2);
  public static final Duration DEFAULT_SENSOR_TIMEOUT = Duration.ofSeconds(1);

  public Timings {
    Objects.requireNonNull(tick, "tick");
    Objects.requireNonNull(ticketTtl, "ticketTtl");
    Objects.requireNonNull(renewInterval, "renewInterval");
    Objects.requireNonNull(witnessGrace, "witnessGrace");
    Objects.requireNonNull(driftMargin, "driftMargin");
    Objects.requireNonNull(retryTimeout, "retryTimeout");
    Objects.requireNonNull(sensorInterval, "sensorInterval");
    Objects.requireNonNull(sensorTimeout, "sensorTimeout");
  }

  /** All defaults (they satisfy every invariant). */
  public static Timings defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link Timings} and enforces the timing invariants. */
  public static final class Builder extends ConfigBuilder<Timings> {
    private Duration tick;
    private Duration ticketTtl;
    private Duration renewInterval;
    private Duration witnessGrace;
    private Duration driftMargin;
    private Duration retryTimeout;
    private Integer fall;
    private Integer rise;
    private Duration sensorInterval;
    private Duration sensorTimeout;

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

    public Builder retryTimeout(Duration v) {
      retryTimeout = v;
      return this;
    }

    public Builder fall(Integer v) {
      fall = v;
      return this;
    }

    public Builder rise(Integer v) {
      rise = v;
      return this;
    }

    public Builder sensorInterval(Duration v) {
      sensorInterval = v;
      return this;
    }

    public Builder sensorTimeout(Duration v) {
      sensorTimeout = v;
      return this;
    }

    private static Duration or(Duration v, Duration d) {
      return v != null ? v : d;
    }

    private static String f(Duration d) {
      return Durations.format(d);
    }

    @Override
    protected void check(Violations v) {
      boolean ok = v.positive(tick, "tick");
      ok &= v.positive(ticketTtl, "ticketTtl");
      ok &= v.positive(renewInterval, "renewInterval");
      ok &= v.positive(witnessGrace, "witnessGrace");
      ok &= v.positive(retryTimeout, "retryTimeout");
      ok &= v.positive(sensorInterval, "sensorInterval");
      ok &= v.positive(sensorTimeout, "sensorTimeout");
      if (driftMargin != null && driftMargin.isNegative()) {
        v.add("driftMargin", "expected a duration >= 0, was " + f(driftMargin));
        ok = false;
      }
      v.atLeast(fall, 1, "fall");
      v.atLeast(rise, 1, "rise");
      if (!ok) {
        return; // the relations below are meaningless with a non-positive term
      }
      Duration tk = or(tick, DEFAULT_TICK);
      Duration ttl = or(ticketTtl, DEFAULT_TICKET_TTL);
      Duration third = ttl.dividedBy(3);
      Duration renew = or(renewInterval, third);
      Duration grace = or(witnessGrace, DEFAULT_WITNESS_GRACE);
      Duration drift = or(driftMargin, DEFAULT_DRIFT_MARGIN);
      Duration retry = or(retryTimeout, DEFAULT_RETRY_TIMEOUT);
      Duration si = or(sensorInterval, DEFAULT_SENSOR_INTERVAL);
      Duration st = or(sensorTimeout, DEFAULT_SENSOR_TIMEOUT);
      String ttlField = ticketTtl != null ? "ticketTtl" : null;

      // I1: Patroni's loop_wait + 2 * retry_timeout <= ttl.
      if (tk.plus(retry.multipliedBy(2)).compareTo(ttl) > 0) {
        v.add(
            pick(ttlField, retryTimeout != null ? "retryTimeout" : "tick"),
            "expected tick + 2 * retryTimeout <= ticketTtl ("
                + f(tk)
                + " + 2 * "
                + f(retry)
                + " > "
                + f(ttl)
                + "): a holder that just missed a tick and then waits out two"
                + " witness calls must still be inside its ticket; raise ticketTtl or lower"
                + " retryTimeout");
      }
      // I2: renewal at most every TTL/3, so two renewals may fail before the ticket ends.
      if (renew.compareTo(third) > 0) {
        v.add(
            pick(renewInterval != null ? "renewInterval" : null, "ticketTtl"),
            "expected renewInterval <= ticketTtl / 3 ("
                + f(renew)
                + " > "
                + f(third)
                + "): two renewals in a row may fail and the ticket must still be valid");
      }
      // I3: renewal runs on the tick, so it cannot be more frequent than the tick.
      if (renew.compareTo(tk) < 0) {
        v.add(
            pick(renewInterval != null ? "renewInterval" : null, "tick"),
            "expected renewInterval >= tick ("
                + f(renew)
                + " < "
                + f(tk)
                + "): renewals are sent from the decision loop, once per tick at most");
      }
      // I4: drift margin below a third of the TTL, or the local deadline is eaten by the margin.
      if (drift.compareTo(third) >= 0) {
        v.add(
            pick(driftMargin != null ? "driftMargin" : null, "ticketTtl"),
            "expected driftMargin < ticketTtl / 3 ("
                + f(drift)
                + " >= "
                + f(third)
                + "): the margin would leave the holder less time than one renewal interval");
      }
      // I5: a renewal that hangs for the whole retry timeout still leaves its answer usable.
      if (renew.plus(retry).plus(drift).compareTo(ttl) >= 0) {
        v.add(
            pick(ttlField, "retryTimeout"),
            "expected renewInterval + retryTimeout + driftMargin < ticketTtl ("
                + f(renew)
                + " + "
                + f(retry)
                + " + "
                + f(drift)
                + " >= "
                + f(ttl)
                + "): a renewal that times out must still leave time before the local deadline");
      }
      // I6: the witness must wait at least one tick past expiry before handing the ticket on.
      if (grace.compareTo(tk) < 0) {
        v.add(
            pick(witnessGrace != null ? "witnessGrace" : null, "tick"),
            "expected witnessGrace >= tick ("
                + f(grace)
                + " < "
                + f(tk)
                + "): the old holder fences on its own tick, which may come up to one tick late");
      }
      // I7: a hung sensor must end before its next reading is due.
      if (st.compareTo(si) >= 0) {
        v.add(
            pick(sensorTimeout != null ? "sensorTimeout" : null, "sensorInterval"),
            "expected sensorTimeout < sensorInterval ("
                + f(st)
                + " >= "
                + f(si)
                + "), so that a hung reading ends before the next one is due");
      }
    }

    private static String pick(String preferred, String fallback) {
      return preferred != null ? preferred : fallback;
    }

    @Override
    protected Timings create() {
      Duration ttl = or(ticketTtl, DEFAULT_TICKET_TTL);
      return new Timings(
          or(tick, DEFAULT_TICK),
          ttl,
          or(renewInterval, ttl.dividedBy(3)),
          or(witnessGrace, DEFAULT_WITNESS_GRACE),
          or(driftMargin, DEFAULT_DRIFT_MARGIN),
          or(retryTimeout, DEFAULT_RETRY_TIMEOUT),
          fall != null ? fall : DEFAULT_FALL,
          rise != null ? rise : DEFAULT_RISE,
          or(sensorInterval, DEFAULT_SENSOR_INTERVAL),
          or(sensorTimeout, DEFAULT_SENSOR_TIMEOUT));
    }

    @Override
    protected String what() {
      return "timings";
    }
  }
}
