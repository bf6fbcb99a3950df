package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.config.Timings;
import io.tandem.core.witness.WitnessSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 17.1, measured in the deterministic simulation ({@code scripts/bench-timings}; not part of
 * the test suite): for each timing profile, the site-loss RTO (a crash of the serving site → the
 * other site serves) over 40 seeds on a clean network and on one where every link (site–witness,
 * site–site) loses 20 % of messages with 60–90 ms one-way delay, the number of seeds in which
 * nobody served before the fault (a liveness failure), false failovers in four 15-minute runs (one
 * hour, {@code -Dbench.hours}) at that loss, the PBX-crash RTO (the serving site's PBX crashes, its
 * agent stays up and hands over at once) clean and lossy, and the witness requests per second of
 * the cluster's holder and standby over 10 minutes, clean and lossy (17.3). An RTO ends when the
 * other site's activation completed: its service verified. The runbook takes 0.2–0.6 s ({@link
 * #ORCHESTRATION}, as measured against moto in 17.2). The simulation drops a lost message for good
 * (no TCP retransmission), so its loss figures are pessimistic for HTTP.
 *
 * <p>A profile is {@code tick,ticketTtl,renewInterval,witnessGrace,driftMargin,retryTimeout} in
 * milliseconds, optionally {@code ,fenceLead} (the rest take their defaults); {@code
 * -Dbench.profiles=a;b;...} replaces the default list.
 */
class TimingsBench {

  /**
   * The runbook as measured against moto (17.2): 0.2–0.6 s from the decision to verified service;
   * its "accept calls" command (1–50 ms, {@link EffectTimings#pbxCommand}) lands within the switch
   * stage, so it does not lengthen the run.
   */
  static final EffectTimings ORCHESTRATION =
      new EffectTimings(SECOND / 5, 6 * SECOND / 10, 5_000_000L, 400_000_000L, 0.05, SECOND, 0)
          .withPbxCommand(1_000_000L, 50_000_000L);

  /**
   * A network every link of the bench has: one-way delay drawn from {@code minDelayMs..maxDelayMs}
   * per message, and the share of messages lost when the run is lossy.
   */
  record Net(long minDelayMs, long maxDelayMs, double loss) {
    /** Across regions: 150 ms round trip, 20 % loss (17.1's soak conditions; the defaults). */
    static final Net WAN = new Net(60, 90, 0.2);

    /** A low-latency link: 20 ms round trip, 1 % loss (the {@code fast} profile's conditions). */
    static final Net LAN = new Net(5, 15, 0.01);

    /** {@code min-max/loss}, e.g. {@code 5-15/0.01}. */
    static Net parse(String s) {
      String[] d = s.split("/");
      String[] r = d[0].split("-");
      return new Net(Long.parseLong(r[0]), Long.parseLong(r[1]), Double.parseDouble(d[1]));
    }

    String words() {
      return String.format(
          java.util.Locale.ROOT,
          "%d ms round trip, %.0f %% loss when lossy",
          minDelayMs + maxDelayMs,
          loss * 100);
    }
  }

  static Simulation.Builder lossy(long seed, Timings t, double loss) {
    return lossy(seed, t, Net.WAN);
  }

  static Simulation.Builder lossy(long seed, Timings t, Net net) {
    return Simulation.builder(seed)
        .agents(2)
        .trace(Boolean.getBoolean("tandem.explore.trace"))
        .effects(ORCHESTRATION)
        .delay(Duration.ofMillis(net.minDelayMs()), Duration.ofMillis(net.maxDelayMs()))
        .witness(WitnessSettings.builder().grace(t.witnessGrace()).build())
        .settings(b -> b.timings(t));
  }

  static void lose(Simulation sim, double loss) {
    for (SimAgent a : sim.agents()) {
      sim.network().loss(a.site, SimWitness.NAME, loss);
      for (SimAgent b : sim.agents()) {
        if (a != b) {
          sim.network().link(a.site, b.site).loss = loss;
        }
      }
    }
  }

  /** Site-loss RTOs (crash → the other site serves) over {@code runs} seeds, in ms, sorted. */
  static List<Long> siteLossRtos(Timings t, int runs, double loss) {
    return siteLossRtos(t, runs, Net.WAN, loss);
  }

  /** Site-loss RTOs on {@code net}'s delays with {@code loss} on every link. */
  static List<Long> siteLossRtos(Timings t, int runs, Net net, double loss) {
    List<Long> rtos = new ArrayList<>();
    for (long seed = 1; seed <= runs; seed++) {
      Simulation sim = lossy(seed, t, net).build();
      lose(sim, loss);
      sim.startAll();
      settle(sim);
      if (sim.servingNow().size() != 1) {
        rtos.add(-1L); // nobody serving before the fault: a liveness failure, counted
        continue;
      }
      String active = sim.servingNow().iterator().next();
      String other = active.equals("site-0") ? "site-1" : "site-0";
      // the fault falls anywhere within a renewal period
      sim.runFor(Duration.ofNanos(sim.random().nextLong(t.renewInterval().toNanos())));
      long fault = sim.now();
      sim.agent(active).crash();
      sim.runFor(Duration.ofSeconds(30));
      long up = firstVerified(sim.agent(other), fault);
      assertThat(sim.violation()).as(sim.report()).isNull();
      rtos.add(up < 0 ? Long.MAX_VALUE : (up - fault) / 1_000_000);
    }
    Collections.sort(rtos);
    return rtos;
  }

  /** When {@code a}'s first activation after {@code from} completed (service verified), or -1. */
  static long firstVerified(SimAgent a, long from) {
    return a.verified.stream().filter(t -> t >= from).findFirst().orElse(-1L);
  }

  /**
   * PBX-crash RTOs (17.1: the PBX of the serving site crashes, its agent stays alive → the other
   * site's service is verified) over {@code runs} seeds, in ms, sorted. The site's sensors see the
   * crash after {@code fall} failed readings, the first at a random phase of the sensor interval
   * (keepalived's vrrp_script and Pacemaker's monitor work the same way); the agent then hands over
   * at once: fence, release, and the peer acquires without waiting out the ticket.
   */
  static List<Long> pbxCrashRtos(Timings t, int runs, double loss) {
    return pbxCrashRtos(t, runs, Net.WAN, loss);
  }

  /** PBX-crash RTOs on {@code net}'s delays with {@code loss} on every link. */
  static List<Long> pbxCrashRtos(Timings t, int runs, Net net, double loss) {
    List<Long> rtos = new ArrayList<>();
    for (long seed = 1; seed <= runs; seed++) {
      Simulation sim = lossy(seed, t, net).build();
      lose(sim, loss);
      sim.startAll();
      settle(sim);
      if (sim.servingNow().size() != 1) {
        rtos.add(-1L);
        continue;
      }
      SimAgent active = sim.agent(sim.servingNow().iterator().next());
      SimAgent other = sim.agents().stream().filter(a -> a != active).findFirst().orElseThrow();
      sim.runFor(Duration.ofNanos(sim.random().nextLong(t.renewInterval().toNanos())));
      long fault = sim.now();
      active.crashPbx();
      long interval = t.sensorInterval().toNanos();
      long seen = fault + sim.random().nextLong(interval) + (t.fall() - 1L) * interval;
      sim.at(seen, () -> active.healthy = false);
      sim.runFor(Duration.ofSeconds(30));
      long up = firstVerified(other, fault);
      assertThat(sim.violation()).as(sim.report()).isNull();
      rtos.add(up < 0 ? Long.MAX_VALUE : (up - fault) / 1_000_000);
    }
    Collections.sort(rtos);
    return rtos;
  }

  /**
   * Witness requests per second of one cluster in steady state (17.3): {holder, standby}, over
   * {@code length} after the service settled.
   */
  static double[] witnessRates(Timings t, long seed, Duration length, Net net, double loss) {
    Simulation sim = lossy(seed, t, net).build();
    lose(sim, loss);
    sim.startAll();
    settle(sim);
    if (sim.servingNow().size() != 1) {
      return new double[] {-1, -1};
    }
    SimAgent active = sim.agent(sim.servingNow().iterator().next());
    SimAgent other = sim.agents().stream().filter(a -> a != active).findFirst().orElseThrow();
    long h = active.holderRequests();
    long o = other.otherRequests();
    sim.runFor(length);
    double secs = length.toNanos() / 1e9;
    return new double[] {(active.holderRequests() - h) / secs, (other.otherRequests() - o) / secs};
  }

  /** Runs until one site serves (the agents start at random offsets), then 5 s more. */
  static void settle(Simulation sim) {
    for (int i = 0; i < 120 && sim.servingNow().isEmpty(); i++) {
      sim.runFor(Duration.ofSeconds(1));
    }
    sim.runFor(Duration.ofSeconds(5));
  }

  static long pct(List<Long> sorted, double p) {
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
  }

  static long falseFailovers(Timings t, long seed, Duration length, Net net, double loss) {
    Simulation sim = lossy(seed, t, net).build();
    lose(sim, loss);
    sim.startAll();
    settle(sim);
    if (sim.servingNow().size() != 1) {
      return 1;
    }
    String active = sim.servingNow().iterator().next();
    long from = sim.now();
    sim.runFor(length);
    assertThat(sim.violation()).as(sim.report()).isNull();
    return sim.othersServing(active, from, sim.now()).size()
        + (sim.servedThroughout(active, from, sim.now()) ? 0 : 1);
  }

  /**
   * The classic timings and the shipped defaults (ADR 0007) across regions ({@link Net#WAN}), the
   * fast profile ({@code Timings.fast()}) on a low-latency link ({@link Net#LAN}).
   */
  static final String PROFILES =
      "1000,10000,3333,2000,300,1000,1000;100,2000,300,300,100,500;"
          + "50,500,100,100,25,100,100@5-15/0.01";

  @Test
  void profiles() throws java.io.IOException {
    List<String> json = new ArrayList<>();
    for (String spec : System.getProperty("bench.profiles", PROFILES).split(";")) {
      if (spec.isBlank()) {
        continue;
      }
      Net net = spec.contains("@") ? Net.parse(spec.substring(spec.indexOf('@') + 1)) : Net.WAN;
      String[] p = spec.replaceAll("@.*", "").split(",");
      Timings t =
          Timings.builder()
              .tick(Duration.ofMillis(Long.parseLong(p[0])))
              .ticketTtl(Duration.ofMillis(Long.parseLong(p[1])))
              .renewInterval(Duration.ofMillis(Long.parseLong(p[2])))
              .witnessGrace(Duration.ofMillis(Long.parseLong(p[3])))
              .driftMargin(Duration.ofMillis(Long.parseLong(p[4])))
              .retryTimeout(Duration.ofMillis(Long.parseLong(p[5])))
              .fenceLead(p.length > 6 ? Duration.ofMillis(Long.parseLong(p[6])) : null)
              .build();
      List<Long> clean = siteLossRtos(t, 40, net, 0);
      List<Long> lossy = siteLossRtos(t, 40, net, net.loss());
      long ff = 0;
      int quarters = 4 * Integer.getInteger("bench.hours", 1);
      for (long s = 100; s < 100 + quarters; s++) {
        ff += falseFailovers(t, s, Duration.ofMinutes(15), net, net.loss());
      }
      List<Long> crash = pbxCrashRtos(t, 40, net, 0);
      List<Long> lossyCrash = pbxCrashRtos(t, 40, net, net.loss());
      double[] rate = witnessRates(t, 300, Duration.ofMinutes(10), net, 0);
      double[] lossyRate = witnessRates(t, 301, Duration.ofMinutes(10), net, net.loss());
      long noService =
          clean.stream().filter(x -> x < 0).count()
              + lossy.stream().filter(x -> x < 0).count()
              + crash.stream().filter(x -> x < 0).count()
              + lossyCrash.stream().filter(x -> x < 0).count();
      String line =
          String.format(
              java.util.Locale.ROOT,
              "{\"profile\":\"%s\",\"network\":\"%s\",\"cleanP50Ms\":%d,\"cleanP99Ms\":%d,\"lossyP50Ms\":%d,"
                  + "\"lossyP99Ms\":%d,\"pbxCrashP50Ms\":%d,\"pbxCrashP99Ms\":%d,"
                  + "\"lossyPbxCrashP50Ms\":%d,\"lossyPbxCrashP99Ms\":%d,"
                  + "\"noServiceBeforeFault\":%d,\"falseFailovers\":%d,\"hours\":%d,"
                  + "\"witnessReqPerS\":{\"holder\":%.2f,\"standby\":%.2f,\"cluster\":%.2f,"
                  + "\"lossyHolder\":%.2f,\"lossyStandby\":%.2f,\"lossyCluster\":%.2f}}",
              spec,
              net.words(),
              pct(clean, 0.5),
              pct(clean, 0.99),
              pct(lossy, 0.5),
              pct(lossy, 0.99),
              pct(crash, 0.5),
              pct(crash, 0.99),
              pct(lossyCrash, 0.5),
              pct(lossyCrash, 0.99),
              noService,
              ff,
              quarters / 4,
              rate[0],
              rate[1],
              rate[0] + rate[1],
              lossyRate[0],
              lossyRate[1],
              lossyRate[0] + lossyRate[1]);
      System.out.println("bench-timings: " + line);
      json.add(line);
    }
    java.nio.file.Path out =
        java.nio.file.Path.of(System.getProperty("bench.out", "target/bench/timings.json"));
    java.nio.file.Files.createDirectories(out.toAbsolutePath().getParent());
    java.nio.file.Files.writeString(out, "[\n" + String.join(",\n", json) + "\n]\n");
    assertThat(json).isNotEmpty();
  }
}
