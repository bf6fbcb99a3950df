package io.tandem.core.sim;

import io.tandem.core.agent.AgentSettings;
import io.tandem.core.agent.Decision;
import io.tandem.core.witness.WitnessSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * A deterministic simulation of one cluster: N agents, one built-in witness, a simulated network,
 * drifting clocks, all driven by one seed through a discrete-event scheduler (no threads, no real
 * time). After every event it checks, on true time, that at most one site serves, and it records
 * who served when so properties can ask about liveness.
 */
final class Simulation {

  static final String CLUSTER = "pbx";
  static final long SECOND = 1_000_000_000L;

  private final long seed;
  private final SplittableRandom random;
  private final EventScheduler scheduler = new EventScheduler();
  private final SimNetwork network;
  private final SimWitness witness;
  private final Map<String, SimAgent> agents = new LinkedHashMap<>();
  private final List<String> trace = new ArrayList<>();
  private final boolean keepTrace;
  private final String replayKind;

  /** Who served when: each change of the set of serving sites, on true time. */
  record ServingChange(long trueNanos, Set<String> serving) {}

  private final List<ServingChange> timeline = new ArrayList<>();
  private Set<String> servingNow = Set.of();
  private String violation;
  private String availabilityViolation;
  private final EffectTimings effects;
  private final long dispatchLatencyNanos;
  private final boolean strictWitnessClient;
  private final SplittableRandom dispatchRandom;

  private Simulation(Builder b) {
    this.seed = b.seed;
    this.random = new SplittableRandom(b.seed);
    this.keepTrace = b.trace;
    this.replayKind = b.replayKind;
    this.effects = b.effects;
    this.dispatchLatencyNanos = b.dispatchLatencyNanos;
    this.strictWitnessClient = b.strictWitnessClient;
    this.dispatchRandom = new SplittableRandom(b.seed ^ 0x7A3D1C5BL);
    this.network = new SimNetwork(scheduler, random.split());
    SplittableRandom clocks = random.split();
    this.witness =
        new SimWitness(
            scheduler,
            clock(clocks, b.maxDriftPpm, b.witnessPpm),
            b.witnessSettings,
            b.witnessKind,
            new WitnessModels.Clocks() {
              @Override
              public long monotonic(String site) {
                return agents.get(site).now();
              }

              @Override
              public long wall(String site) {
                return agents.get(site).ntpWall();
              }
            });
    // its own stream from the seed, so the fault schedules drawn from `random` stay as they were
    SplittableRandom effectsRandom = new SplittableRandom(seed ^ 0x5DEECE66DL);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < b.agents; i++) {
      names.add("site-" + i);
    }
    for (int i = 0; i < b.agents; i++) {
      String name = names.get(i);
      Set<String> peers = new HashSet<>(names);
      peers.remove(name);
      AgentSettings s =
          b.settings
              .apply(
                  withTimings(
                          AgentSettings.builder()
                              .cluster(CLUSTER)
                              .site(name)
                              .priority(i)
                              .peers(peers),
                          b.timings)
                      .witnessGrace(b.witnessSettings.grace()))
              .build();
      Long ppm = i < b.agentPpm.size() ? b.agentPpm.get(i) : null;
      SimAgent agent =
          new SimAgent(this, name, clock(clocks, b.maxDriftPpm, ppm), s, b.effects, effectsRandom);
      agent.guardInstalled = b.fenceGuard;
      agents.put(name, agent);
      network.delay(name, SimWitness.NAME, b.minDelayNanos, b.maxDelayNanos);
      for (String other : names) {
        if (!other.equals(name)) {
          network.delay(name, other, b.minDelayNanos, b.maxDelayNanos);
        }
      }
    }
  }

  private static AgentSettings.Builder withTimings(
      AgentSettings.Builder b, io.tandem.core.config.Timings t) {
    return t == null ? b : b.timings(t);
  }

  private static NodeClock clock(SplittableRandom r, long maxPpm, Long fixedPpm) {
    long ppm = fixedPpm != null ? fixedPpm : (maxPpm == 0 ? 0 : r.nextLong(-maxPpm, maxPpm + 1));
    long offset = r.nextLong(0, 1_000L * SECOND);
    return new NodeClock(offset, ppm);
  }

  static Builder builder(long seed) {
    return new Builder(seed);
  }

  long seed() {
    return seed;
  }

  /** How late this agent timer fires (0 unless {@link Builder#dispatchLatency} set a bound). */
  long dispatchLatency() {
    return dispatchLatencyNanos == 0 ? 0 : dispatchRandom.nextLong(dispatchLatencyNanos + 1);
  }

  /** Whether agents use the strict witness client ({@link Builder#strictWitnessClient}). */
  boolean strictWitnessClient() {
    return strictWitnessClient;
  }

  SplittableRandom random() {
    return random;
  }

  EventScheduler scheduler() {
    return scheduler;
  }

  SimNetwork network() {
    return network;
  }

  SimWitness witness() {
    return witness;
  }

  SimAgent agent(String site) {
    return agents.get(site);
  }

  List<SimAgent> agents() {
    return List.copyOf(agents.values());
  }

  long now() {
    return scheduler.now();
  }

  /** Start every agent, with first ticks spread over one tick. */
  Simulation startAll() {
    for (SimAgent a : agents.values()) {
      a.start(random.nextLong(a.settings.tick().toNanos()));
    }
    return this;
  }

  /** Schedule {@code action} at true time {@code trueNanos}. */
  void at(long trueNanos, Runnable action) {
    scheduler.at(trueNanos, action);
  }

  void runUntil(long trueNanos) {
    scheduler.runUntil(trueNanos, this::check, 50_000_000);
  }

  void runFor(Duration d) {
    runUntil(scheduler.now() + d.toNanos());
  }

  /** Cut {@code site} off from everything (witness and peers), or heal it. */
  void isolate(String site, boolean isolated) {
    network.connect(site, SimWitness.NAME, !isolated);
    for (String other : agents.keySet()) {
      if (!other.equals(site)) {
        network.connect(site, other, !isolated);
      }
    }
  }

  void onDecision(SimAgent agent, Decision d, io.tandem.core.witness.TicketView ticket) {
    if (keepTrace) {
      trace.add(String.format("%9.3f %s %s | %s", scheduler.now() / 1e9, agent.site, d, ticket));
    }
  }

  /** Add a line to the trace (if tracing). */
  void note(String what) {
    if (keepTrace) {
      trace.add(String.format("%9.3f %s", scheduler.now() / 1e9, what));
    }
  }

  private void check() {
    Set<String> serving = null;
    for (SimAgent a : agents.values()) {
      if (a.pbxServing()) {
        if (serving == null) {
          serving = new HashSet<>(2);
        }
        serving.add(a.site);
      }
    }
    if (serving == null) {
      serving = Set.of();
    }
    if (!serving.equals(servingNow)) {
      servingNow = Set.copyOf(serving);
      timeline.add(new ServingChange(scheduler.now(), servingNow));
    }
    if (availabilityViolation == null) {
      for (SimAgent a : agents.values()) {
        String v = a.availabilityViolation(availabilityBoundNanos(a));
        if (v != null) {
          availabilityViolation = v;
          note("AVAILABILITY VIOLATION: " + v);
          break;
        }
      }
    }
    if (serving.size() > 1 && violation == null) {
      // No excuse for a forced acquire: the witness grants it only once the preempted holder's
      // ticket has lapsed (docs/witness-protocol.md, rule 2), so an overlap is a violation.
      violation =
          String.format(
              "two sites serving at true time %.3f s: %s", scheduler.now() / 1e9, serving);
    }
  }

  /**
   * How long a site whose agent says it serves (ACTIVE, ticket valid) may have its PBX stopped by
   * its own fence guard: one tick (the agent's next beat) plus the allowance — a beat to the guard
   * and its reply back, each up to {@link SimAgent#BEAT_TAIL_MAX_NANOS}, and the "accept new calls"
   * of the activation that follows (one PBX command, {@link EffectTimings#pbxCommandMaxNanos}).
   */
  long availabilityBoundNanos(SimAgent a) {
    return a.settings.tick().toNanos()
        + 2 * SimAgent.BEAT_TAIL_MAX_NANOS
        + effects.pbxCommandMaxNanos();
  }

  /**
   * The first availability violation seen, or null: a site ACTIVE with a valid ticket whose PBX its
   * fence guard stopped, for longer than {@link #availabilityBoundNanos} (a silent outage: the
   * agent reports itself serving, so nobody fails over).
   */
  String availabilityViolation() {
    return availabilityViolation;
  }

  /** The first safety violation seen, or null. */
  String violation() {
    return violation;
  }

  /** Null if granted epochs strictly increase, else a description. */
  String epochViolation() {
    // Epochs never go backwards, and an epoch belongs to one site: a re-acquire by the holder
    // keeps its epoch (docs/witness-protocol.md), any other grant carries a newer one.
    long last = 0;
    String lastSite = null;
    for (SimWitness.Grant g : witness.grants()) {
      if (g.epoch() < last || (g.epoch() == last && !g.site().equals(lastSite))) {
        return "epoch " + g.epoch() + " granted to " + g.site() + " after epoch " + last;
      }
      last = g.epoch();
      lastSite = g.site();
    }
    return null;
  }

  List<ServingChange> timeline() {
    return timeline;
  }

  Set<String> servingNow() {
    return servingNow;
  }

  /**
   * The first true time at or after {@code fromNanos} at which {@code site} (or anyone if null)
   * served.
   */
  long firstServing(String site, long fromNanos) {
    Set<String> before = Set.of();
    for (ServingChange c : timeline) {
      if (c.trueNanos() > fromNanos && matches(before, site)) {
        return fromNanos;
      }
      if (c.trueNanos() >= fromNanos && matches(c.serving(), site)) {
        return c.trueNanos();
      }
      before = c.serving();
    }
    return matches(before, site) ? fromNanos : -1;
  }

  private static boolean matches(Set<String> serving, String site) {
    return site == null ? !serving.isEmpty() : serving.contains(site);
  }

  /** Whether {@code site} served at every instant in [fromNanos, toNanos]. */
  boolean servedThroughout(String site, long fromNanos, long toNanos) {
    Set<String> current = Set.of();
    for (ServingChange c : timeline) {
      if (c.trueNanos() > fromNanos) {
        if (c.trueNanos() > toNanos) {
          break;
        }
        if (!current.contains(site)) {
          return false;
        }
      }
      current = c.serving();
    }
    return current.contains(site);
  }

  /** Sites other than {@code site} that served at any instant in [fromNanos, toNanos]. */
  Set<String> othersServing(String site, long fromNanos, long toNanos) {
    Set<String> others = new HashSet<>();
    Set<String> current = Set.of();
    for (ServingChange c : timeline) {
      if (c.trueNanos() > toNanos) {
        break;
      }
      if (c.trueNanos() >= fromNanos) {
        current.forEach(
            s -> {
              if (!s.equals(site)) others.add(s);
            });
      }
      current = c.serving();
      if (c.trueNanos() >= fromNanos) {
        current.forEach(
            s -> {
              if (!s.equals(site)) others.add(s);
            });
      }
    }
    current.forEach(
        s -> {
          if (!s.equals(site)) others.add(s);
        });
    return others;
  }

  /** Every traced decision (needs {@code trace(true)}). */
  List<String> fullTrace() {
    return List.copyOf(trace);
  }

  /** A readable account for failure messages: seed, replay hint, last decisions. */
  String report() {
    StringBuilder b = new StringBuilder();
    b.append("seed ").append(seed).append(" (replay: ").append(replayCommand()).append(")\n");
    b.append("events ")
        .append(scheduler.executed())
        .append(", messages ")
        .append(network.sent())
        .append(" (dropped ")
        .append(network.dropped())
        .append("), witness restarts ")
        .append(witness.restarts())
        .append('\n');
    for (SimAgent a : agents.values()) {
      b.append(a.site)
          .append(" clock ")
          .append(a.clock)
          .append(" host=")
          .append(a.hostUp() ? "up" : "down")
          .append(" pbx=")
          .append(a.pbxServing() ? "serving" : "stopped")
          .append(" agent=")
          .append(a.alive() ? "alive" : "dead")
          .append(" state=")
          .append(a.state())
          .append('\n');
      List<Decision> ds = a.decisions;
      for (Decision d : ds.subList(Math.max(0, ds.size() - 12), ds.size())) {
        b.append("   ").append(d).append('\n');
      }
    }
    for (String t : trace) {
      b.append(t).append('\n');
    }
    b.append("timeline ")
        .append(timeline.subList(Math.max(0, timeline.size() - 20), timeline.size()));
    return b.toString();
  }

  /** The command that replays this schedule with a full trace (from the repository root). */
  String replayCommand() {
    return replayCommand(seed, replayKind);
  }

  static String replayCommand(long seed, String kind) {
    return "./mvnw -q -pl core test -Dtest=SimulationReplayTest -Dtandem.sim.seed="
        + seed
        + " -Dtandem.sim.kind="
        + kind;
  }

  /** Builds a {@link Simulation}. */
  static final class Builder {
    private final long seed;
    private int agents = 2;
    private long maxDriftPpm = 10_000;
    private Long witnessPpm;
    private final List<Long> agentPpm = new ArrayList<>();
    private long minDelayNanos = 1_000_000;
    private long maxDelayNanos = 30_000_000;
    private boolean trace;
    private WitnessSettings witnessSettings = WitnessSettings.defaults();
    private UnaryOperator<AgentSettings.Builder> settings = UnaryOperator.identity();
    private io.tandem.core.config.Timings timings;
    private EffectTimings effects = EffectTimings.REALISTIC;
    private boolean fenceGuard = true;
    private SimWitness.Kind witnessKind = SimWitness.Kind.BUILT_IN;
    private String replayKind = "chaos";
    private long dispatchLatencyNanos;
    private boolean strictWitnessClient = true;

    private Builder(long seed) {
      this.seed = seed;
    }

    Builder agents(int n) {
      agents = n;
      return this;
    }

    /** Bound on every clock's rate error, in parts per million. */
    Builder maxDriftPpm(long ppm) {
      maxDriftPpm = ppm;
      return this;
    }

    /** Fix clock rates: witness, then agents in order (others drawn within the bound). */
    Builder clockPpm(long witness, long... agentsPpm) {
      witnessPpm = witness;
      for (long p : agentsPpm) {
        agentPpm.add(p);
      }
      return this;
    }

    Builder delay(Duration min, Duration max) {
      minDelayNanos = min.toNanos();
      maxDelayNanos = max.toNanos();
      return this;
    }

    /**
     * How late an agent's timer runs (uniform 0..{@code max}, drawn per task from a stream of its
     * own): a JVM's scheduled executor never fires at the exact planned nanosecond, so two
     * consecutive ticks are a period apart only give or take this. Default 0 (exact ticks).
     */
    Builder dispatchLatency(Duration max) {
      dispatchLatencyNanos = max.toNanos();
      return this;
    }

    /**
     * Agents talk to the witness as the product's datagram client does ({@link SimDatagramLink}:
     * answers after the call's timeout dropped, STALE nonces resent; for etcd, DynamoDB and Blob
     * the later of two concurrent acquires refused as their adapters refuse it). <b>Default on</b>
     * (session 8): a fake must refuse what the real thing refuses. Off gives the older, kinder link
     * (a lost request never completes, a late answer still counts); a test that turns it off says
     * why beside the call.
     */
    Builder strictWitnessClient(boolean on) {
      strictWitnessClient = on;
      return this;
    }

    Builder trace(boolean on) {
      trace = on;
      return this;
    }

    Builder witness(WitnessSettings s) {
      witnessSettings = s;
      return this;
    }

    /**
     * Every agent's timings before {@link #settings} adjusts them (default: the shipped defaults);
     * the witness's grace still comes from {@link #witness}.
     */
    Builder timings(io.tandem.core.config.Timings t) {
      timings = t;
      return this;
    }

    /**
     * The timings Tandem shipped before issue 17.1, with the witness's 2 s grace: for scenarios
     * whose expectations are written in those seconds.
     */
    Builder classicTimings() {
      return timings(io.tandem.core.config.ClassicTimings.CLASSIC)
          .witness(WitnessSettings.builder().grace(Duration.ofSeconds(2)).build());
    }

    /** Adjust every agent's settings (cluster, site, priority and peers are preset). */
    Builder settings(UnaryOperator<AgentSettings.Builder> s) {
      settings = s;
      return this;
    }

    /** How long activations and fences take (default {@link EffectTimings#REALISTIC}). */
    Builder effects(EffectTimings t) {
      effects = t;
      return this;
    }

    /** The schedule kind {@link SimulationReplay} replays this with (for failure messages). */
    Builder replayKind(String kind) {
      replayKind = kind;
      return this;
    }

    /** Which witness backend (default the built-in witness). */
    Builder witnessKind(SimWitness.Kind k) {
      witnessKind = k;
      return this;
    }

    /** Whether every site runs a fence guard beside its PBX (default yes, as installed). */
    Builder fenceGuard(boolean on) {
      fenceGuard = on;
      return this;
    }

    Simulation build() {
      return new Simulation(this);
    }
  }
}
