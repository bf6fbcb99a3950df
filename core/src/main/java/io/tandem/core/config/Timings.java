package io.tandem.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The cluster's clocks: decision tick, witness ticket lifetime and renewal, and health defaults.
 * The builder enforces the invariants that keep the witness protocol safe; each is explained in
 * {@code docs/configuration.md}. They are at least as strict as the decision loop's own settings
 * check, so a valid configuration always maps onto valid agent settings.
 *
 * <p>The defaults are the fast, safe profile of {@code docs/adr/0007-fast-safe-timings.md}: a lost
 * site is served elsewhere after about TTL + grace + the runbook, and a renewal that goes
 * unanswered is resent on every tick, so a holder that can still reach the witness keeps its ticket
 * through 20 % packet loss on a 150 ms round trip ({@code scripts/bench-timings}).
 *
 * @param tick decision loop period (default 100 ms)
 * @param ticketTtl lifetime of a witness ticket, and of a peer's promise (default 2 s)
 * @param renewInterval how often the holder renews (default three ticks, at most ticketTtl / 3: an
 *     unanswered renewal is resent every third of it, so on every tick)
 * @param witnessGrace extra wait after expiry, on the witness's clock, before the ticket may pass
 *     to another site (default 300 ms)
 * @param driftMargin subtracted from every deadline measured on the agent's own clock, to cover
 *     clock-rate drift (default 100 ms)
 * @param retryTimeout bound on one witness call (default 500 ms: a 150 ms round trip plus one TCP
 *     retransmission); renewals overlap, so a slow one does not hold up the next
 * @param fenceLead how long before the local deadline the self-fence starts (default one tick, at
 *     least 300 ms: with the grace, a fence has 600 ms to stop the PBX)
 * @param peerReportTimeout how old a peer's report may be and still count (default 3 ticks)
 * @param startupHold how long a (re)started agent waits before acquiring, honouring promises its
 *     previous run made (default ticketTtl + driftMargin)
 * @param fall bad readings in a row before a sensor counts as down (default 2: a crashed PBX is
 *     seen within a second; keepalived's and Pacemaker's checks act on the first failure)
 * @param rise good readings in a row before a sensor counts as up again (default 2)
 * @param sensorInterval default sensor interval (default 500 ms)
 * @param sensorTimeout default sensor timeout (default 400 ms)
 */
public record Timings(
    Duration tick,
    Duration ticketTtl,
    Duration renewInterval,
    Duration witnessGrace,
    Duration driftMargin,
    Duration retryTimeout,
    Duration fenceLead,
    Duration peerReportTimeout,
    Duration startupHold,
    int fall,
    int rise,
    Duration sensorInterval,
    Duration sensorTimeout) {

  public static final Duration DEFAULT_TICK = Duration.ofMillis(100);

  /** The shortest default fence lead (the default is one tick, at least this). */
  public static final Duration MIN_DEFAULT_FENCE_LEAD = Duration.ofMillis(300);

  /**
   * Floors below which an accepted file could not serve: a tick of a few milliseconds keeps the
   * agent's thread busy deciding (50 ms is half VRRP's usual 100 ms advert: the {@code fast}
   * profile), a witness call does not complete in under 100 ms, and no witness grants a ticket
   * under 500 ms (the built-in witness's {@code minTtl}; the others need a second or more: {@link
   * #minTicketTtl(WitnessKind)}) while the agent would fence on its own shorter deadline.
   */
  public static final Duration MIN_TICK = Duration.ofMillis(50);

  public static final Duration MIN_RETRY_TIMEOUT = Duration.ofMillis(100);

  /** The shortest ticket any witness grants: the built-in witness's floor (ADR 0007, fast). */
  public static final Duration MIN_TICKET_TTL = Duration.ofMillis(500);

  /** The shortest ticket an etcd, DynamoDB or Azure Blob witness is given. */
  public static final Duration MIN_EXTERNAL_TICKET_TTL = Duration.ofSeconds(1);

  public static final Duration DEFAULT_TICKET_TTL = Duration.ofSeconds(2);
  public static final Duration DEFAULT_WITNESS_GRACE = Duration.ofMillis(300);
  public static final Duration DEFAULT_DRIFT_MARGIN = Duration.ofMillis(100);
  public static final Duration DEFAULT_RETRY_TIMEOUT = Duration.ofMillis(500);
  public static final int DEFAULT_PEER_REPORT_TICKS = 3;
  public static final int DEFAULT_FALL = 2;
  public static final int DEFAULT_RISE = 2;
  public static final Duration DEFAULT_SENSOR_INTERVAL = Duration.ofMillis(500);
  public static final Duration DEFAULT_SENSOR_TIMEOUT = Duration.ofMillis(400);

  public Timings {
    Objects.requireNonNull(tick, "tick");
    Objects.requireNonNull(ticketTtl, "ticketTtl");
    Objects.requireNonNull(renewInterval, "renewInterval");
    Objects.requireNonNull(witnessGrace, "witnessGrace");
    Objects.requireNonNull(driftMargin, "driftMargin");
    Objects.requireNonNull(retryTimeout, "retryTimeout");
    Objects.requireNonNull(fenceLead, "fenceLead");
    Objects.requireNonNull(peerReportTimeout, "peerReportTimeout");
    Objects.requireNonNull(startupHold, "startupHold");
    Objects.requireNonNull(sensorInterval, "sensorInterval");
    Objects.requireNonNull(sensorTimeout, "sensorTimeout");
  }

  /** All defaults (they satisfy every invariant). */
  public static Timings defaults() {
    return builder().build();
  }

  /**
   * The {@code fast} profile of ADR 0007, for low-latency links with little loss and the built-in
   * witness: tick 50 ms, a 500 ms ticket renewed every 100 ms (resent on every tick while
   * unanswered), grace 100 ms, drift margin 25 ms, witness calls bounded at 100 ms, fence lead 100
   * ms. A lost site is served elsewhere after about TTL + grace + the runbook.
   */
  public static Timings fast() {
    return builder()
        .tick(Duration.ofMillis(50))
        .ticketTtl(Duration.ofMillis(500))
        .renewInterval(Duration.ofMillis(100))
        .witnessGrace(Duration.ofMillis(100))
        .driftMargin(Duration.ofMillis(25))
        .retryTimeout(Duration.ofMillis(100))
        .fenceLead(Duration.ofMillis(100))
        .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The shortest ticket {@code kind} can hold: {@link #MIN_TICKET_TTL} for the built-in witness,
   * which times tickets in milliseconds on its own monotonic clock, {@link
   * #MIN_EXTERNAL_TICKET_TTL} for the others (see {@link #checkWitness}).
   */
  public static Duration minTicketTtl(WitnessKind kind) {
    return kind == WitnessKind.BUILTIN ? MIN_TICKET_TTL : MIN_EXTERNAL_TICKET_TTL;
  }

  /**
   * Adds a violation of {@code timings.ticketTtl} if {@code kind} cannot hold a ticket that short:
   * etcd leases count whole seconds (a lease's TTL is an integer number of seconds, {@code
   * LeaseGrantRequest.TTL} in etcd's {@code rpc.proto}); a DynamoDB ticket is a lease by
   * observation in which every renewal and every look is a call to the DynamoDB API, whose SDK
   * retries alone take longer than the ticket; an Azure Blob lease lasts 15 s to 60 s ({@code Lease
   * Blob}'s {@code x-ms-lease-duration}) and each renewal is a storage API call.
   */
  public static void checkWitness(WitnessKind kind, Timings t, Violations v) {
    Duration min = minTicketTtl(kind);
    if (kind == WitnessKind.BUILTIN || t.ticketTtl().compareTo(min) >= 0) {
      return; // the builder's own floor is the built-in witness's
    }
    String why =
        switch (kind) {
          case ETCD -> "an etcd witness (etcd leases count whole seconds";
          case DYNAMODB ->
              "a dynamodb witness (a lease by observation: each renewal and each look is a call"
                  + " to the DynamoDB API, whose retries alone take longer";
          case AZURE_BLOB ->
              "an azure-blob witness (a blob lease lasts at least 15 s and a renewal is a call to"
                  + " the storage API";
          case BUILTIN -> throw new IllegalStateException("checked above");
        };
    v.add(
        "timings.ticketTtl",
        "expected at least "
            + Durations.format(min)
            + " with "
            + why
            + "; a ticket under a second needs the built-in witness), found "
            + Durations.format(t.ticketTtl()));
  }

  /** Builds {@link Timings} and enforces the timing invariants. Not thread-safe. */
  public static final class Builder extends ConfigBuilder<Timings> {
    private Duration tick;
    private Duration ticketTtl;
    private Duration renewInterval;
    private Duration witnessGrace;
    private Duration driftMargin;
    private Duration retryTimeout;
    private Duration fenceLead;
    private Duration peerReportTimeout;
    private Duration startupHold;
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

    public Builder fenceLead(Duration v) {
      fenceLead = v;
      return this;
    }

    public Builder peerReportTimeout(Duration v) {
      peerReportTimeout = v;
      return this;
    }

    public Builder startupHold(Duration v) {
      startupHold = v;
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

    /**
     * Three ticks, so that an unanswered renewal, resent every third of the interval, goes out on
     * every tick; at most a third of the TTL (rule I2).
     */
    private static Duration defaultRenew(Duration tick, Duration ttl) {
      Duration three = tick.multipliedBy(3);
      Duration third = ttl.dividedBy(3);
      return three.compareTo(third) < 0 ? three : third;
    }

    /**
     * One tick (rule I5), at least {@link #MIN_DEFAULT_FENCE_LEAD}: a fence starts that long before
     * the local deadline, so with the grace it has 600 ms at the defaults to stop the PBX.
     */
    private static Duration defaultLead(Duration tick) {
      return tick.compareTo(MIN_DEFAULT_FENCE_LEAD) > 0 ? tick : MIN_DEFAULT_FENCE_LEAD;
    }

    private static Duration or(Duration v, Duration d) {
      return v != null ? v : d;
    }

    private static String f(Duration d) {
      return Durations.format(d);
    }

    /** The field the operator set, or else the one to change. */
    private static String pick(Duration set, String field, String fallback) {
      return set != null ? field : fallback;
    }

    private static boolean floor(Violations v, Duration d, Duration min, String field, String why) {
      if (d != null && d.compareTo(min) < 0) {
        v.add(field, "expected at least " + f(min) + ", found " + f(d) + why);
        return false;
      }
      return true;
    }

    private boolean floorTtl(Violations v) {
      if (ticketTtl != null && ticketTtl.compareTo(MIN_TICKET_TTL) < 0) {
        v.add(
            "ticketTtl",
            "expected at least "
                + f(MIN_TICKET_TTL)
                + " (the built-in witness grants no shorter ticket), found "
                + f(ticketTtl));
        return false;
      }
      return true;
    }

    private static boolean nonNegative(Violations v, Duration d, String field) {
      if (d != null && d.isNegative()) {
        v.add(field, "expected a duration >= 0, was " + f(d));
        return false;
      }
      return true;
    }

    @Override
    protected void check(Violations v) {
      boolean ok = v.positive(tick, "tick");
      ok &= v.positive(ticketTtl, "ticketTtl");
      ok &= v.positive(renewInterval, "renewInterval");
      ok &= v.positive(witnessGrace, "witnessGrace");
      ok &= v.positive(retryTimeout, "retryTimeout");
      ok &= v.positive(peerReportTimeout, "peerReportTimeout");
      ok &= v.positive(sensorInterval, "sensorInterval");
      ok &= v.positive(sensorTimeout, "sensorTimeout");
      ok &= nonNegative(v, driftMargin, "driftMargin");
      ok &= nonNegative(v, fenceLead, "fenceLead");
      ok &= nonNegative(v, startupHold, "startupHold");
      v.atLeast(fall, 1, "fall");
      v.atLeast(rise, 1, "rise");
      if (ok) {
        ok &=
            floor(
                v,
                tick,
                MIN_TICK,
                "tick",
                ": a shorter tick spends the agent's time deciding instead of acting");
        ok &=
            floor(
                v,
                retryTimeout,
                MIN_RETRY_TIMEOUT,
                "retryTimeout",
                ": a witness call cannot complete in less");
        ok &= floorTtl(v);
      }
      if (!ok) {
        return; // the relations below are meaningless with a non-positive term
      }
      Duration tk = or(tick, DEFAULT_TICK);
      Duration ttl = or(ticketTtl, DEFAULT_TICKET_TTL);
      Duration third = ttl.dividedBy(3);
      Duration renew = or(renewInterval, defaultRenew(tk, ttl));
      Duration grace = or(witnessGrace, DEFAULT_WITNESS_GRACE);
      Duration drift = or(driftMargin, DEFAULT_DRIFT_MARGIN);
      Duration retry = or(retryTimeout, DEFAULT_RETRY_TIMEOUT);
      Duration lead = or(fenceLead, defaultLead(tk));
      Duration peers = or(peerReportTimeout, tk.multipliedBy(DEFAULT_PEER_REPORT_TICKS));
      Duration hold = or(startupHold, ttl.plus(drift));
      Duration si = or(sensorInterval, DEFAULT_SENSOR_INTERVAL);
      Duration st = or(sensorTimeout, DEFAULT_SENSOR_TIMEOUT);

      // I1: Patroni's loop_wait + 2 * retry_timeout <= ttl, with the renewal period as the wait
      // and the self-fence lead and drift margin added: the decision loop checks the same sum.
      Duration budget = renew.plus(retry.multipliedBy(2)).plus(lead).plus(drift);
      if (budget.compareTo(ttl) > 0) {
        v.add(
            pick(ticketTtl, "ticketTtl", retryTimeout != null ? "retryTimeout" : "renewInterval"),
            "expected renewInterval + 2 * retryTimeout + fenceLead + driftMargin <= ticketTtl ("
                + f(renew)
                + " + 2 * "
                + f(retry)
                + " + "
                + f(lead)
                + " + "
                + f(drift)
                + " = "
                + f(budget)
                + " > "
                + f(ttl)
                + "): a renewal that fails twice must still leave"
                + " time to fence before the ticket ends; raise ticketTtl or lower retryTimeout");
      }
      // I2: renewal at most every TTL/3, so two renewals may fail before the ticket ends.
      if (renew.compareTo(third) > 0) {
        v.add(
            pick(renewInterval, "renewInterval", "ticketTtl"),
            "expected renewInterval <= ticketTtl / 3 ("
                + f(renew)
                + " > "
                + f(third)
                + "): two renewals in a row may fail and the ticket must still be valid");
      }
      // I3: renewal runs on the tick, so it cannot be more frequent than the tick.
      if (renew.compareTo(tk) < 0) {
        v.add(
            pick(renewInterval, "renewInterval", "tick"),
            "expected renewInterval >= tick ("
                + f(renew)
                + " < "
                + f(tk)
                + "): renewals are sent from the decision loop, once per tick at most");
      }
      // I4: drift margin below a third of the TTL, or the local deadline is eaten by the margin.
      if (drift.compareTo(third) >= 0) {
        v.add(
            pick(driftMargin, "driftMargin", "ticketTtl"),
            "expected driftMargin < ticketTtl / 3 ("
                + f(drift)
                + " >= "
                + f(third)
                + "): the margin would leave the holder less time than one renewal interval");
      }
      // I5: the deadline is checked once per tick, so fencing must start a tick ahead.
      if (lead.compareTo(tk) < 0) {
        v.add(
            "fenceLead",
            "expected fenceLead >= tick ("
                + f(lead)
                + " < "
                + f(tk)
                + "): the deadline is"
                + " checked once per tick, so a shorter lead may notice it only after it passed");
      }
      // I6: the witness must wait at least one tick past expiry before handing the ticket on.
      if (grace.compareTo(tk) < 0) {
        v.add(
            pick(witnessGrace, "witnessGrace", "tick"),
            "expected witnessGrace >= tick ("
                + f(grace)
                + " < "
                + f(tk)
                + "): the old holder fences on its own tick, which may come up to one tick late");
      }
      // I7: a restarted agent must outwait any promise its previous run gave its peers.
      if (hold.compareTo(ttl) < 0) {
        v.add(
            pick(startupHold, "startupHold", "ticketTtl"),
            "expected startupHold >= ticketTtl ("
                + f(hold)
                + " < "
                + f(ttl)
                + "): a restarted"
                + " agent must honour the promises its previous run made, which last one TTL");
      }
      // I8: peers report once per tick; a shorter window would discard every report.
      if (peers.compareTo(tk) < 0) {
        v.add(
            pick(peerReportTimeout, "peerReportTimeout", "tick"),
            "expected peerReportTimeout >= tick ("
                + f(peers)
                + " < "
                + f(tk)
                + "): peers report once per tick");
      }
      // I9: a hung sensor must end before its next reading is due.
      if (st.compareTo(si) >= 0) {
        v.add(
            pick(sensorTimeout, "sensorTimeout", "sensorInterval"),
            "expected sensorTimeout < sensorInterval ("
                + f(st)
                + " >= "
                + f(si)
                + "), so that a hung reading ends before the next one is due");
      }
    }

    @Override
    protected Timings create() {
      Duration tk = or(tick, DEFAULT_TICK);
      Duration ttl = or(ticketTtl, DEFAULT_TICKET_TTL);
      Duration drift = or(driftMargin, DEFAULT_DRIFT_MARGIN);
      return new Timings(
          tk,
          ttl,
          or(renewInterval, defaultRenew(tk, ttl)),
          or(witnessGrace, DEFAULT_WITNESS_GRACE),
          drift,
          or(retryTimeout, DEFAULT_RETRY_TIMEOUT),
          or(fenceLead, defaultLead(tk)),
          or(peerReportTimeout, tk.multipliedBy(DEFAULT_PEER_REPORT_TICKS)),
          or(startupHold, ttl.plus(drift)),
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
