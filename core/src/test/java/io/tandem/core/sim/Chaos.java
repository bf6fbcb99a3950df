package io.tandem.core.sim;

import static io.tandem.core.sim.Simulation.SECOND;

import io.tandem.core.agent.AgentState;
import io.tandem.core.agent.OperatorCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random faults for one seeded schedule: agent crashes and restarts, isolation, partitions between
 * any two nodes (witness included), loss bursts, witness outages and restarts, health flaps, and
 * operator switchovers and maintenance. Everything is drawn from the simulation's seed, so a
 * schedule replays exactly.
 */
final class Chaos {

  private Chaos() {}

  /** Schedule {@code faults} random faults between 15 s and {@code endNanos}; returns their log. */
  static List<String> schedule(Simulation sim, int faults, long endNanos) {
    SplittableRandom r = sim.random().split();
    List<SimAgent> agents = sim.agents();
    List<String> log = new ArrayList<>();
    for (int i = 0; i < faults; i++) {
      long at = r.nextLong(15 * SECOND, endNanos);
      long dur = r.nextLong(SECOND / 2, 40 * SECOND);
      SimAgent fixedA = agents.get(r.nextInt(agents.size()));
      SimAgent b = agents.get(r.nextInt(agents.size()));
      boolean hitActive = r.nextBoolean();
      // Half the faults hit whichever site is active when the fault starts: that is where they
      // hurt.
      SimAgent[] chosen = {fixedA};
      sim.at(at - 1, () -> chosen[0] = hitActive ? activeOr(agents, fixedA) : fixedA);
      String tgt = hitActive ? "active(else " + fixedA.site + ")" : fixedA.site;
      var a =
          new Object() {
            String site() {
              return chosen[0].site;
            }
          };
      int kind = r.nextInt(9);
      String what =
          switch (kind) {
            case 0 -> {
              sim.at(at, () -> chosen[0].crash());
              sim.at(at + dur, () -> chosen[0].start(0));
              yield "crash " + tgt;
            }
            case 1 -> {
              sim.at(at, () -> sim.isolate(a.site(), true));
              sim.at(at + dur, () -> sim.isolate(a.site(), false));
              yield "isolate " + tgt;
            }
            case 2 -> {
              String other = fixedA == b ? SimWitness.NAME : b.site;
              sim.at(at, () -> sim.network().connect(a.site(), other, false));
              sim.at(at + dur, () -> sim.network().connect(a.site(), other, true));
              yield "partition " + tgt + "|" + other;
            }
            case 3 -> {
              double loss = 0.1 + r.nextDouble() * 0.6;
              String other = fixedA == b ? SimWitness.NAME : b.site;
              sim.at(at, () -> sim.network().loss(a.site(), other, loss));
              sim.at(at + dur, () -> sim.network().loss(a.site(), other, 0));
              yield String.format("loss %.2f %s|%s", loss, tgt, other);
            }
            case 4 -> {
              sim.at(at, sim.witness()::down);
              sim.at(at + dur, sim.witness()::restart);
              yield "witness down+restart";
            }
            case 5 -> {
              sim.at(at, () -> chosen[0].healthy = false);
              sim.at(at + dur, () -> chosen[0].healthy = true);
              yield "unhealthy " + tgt;
            }
            case 6 -> {
              sim.at(
                  at,
                  () -> {
                    for (SimAgent x : agents) {
                      if (x.alive() && x.state() == AgentState.ACTIVE && x != b) {
                        x.command(new OperatorCommand.Switchover(b.site));
                      }
                    }
                  });
              yield "switchover to " + b.site;
            }
            case 7 -> {
              sim.at(at, () -> chosen[0].command(new OperatorCommand.Maintenance(true)));
              sim.at(at + dur, () -> chosen[0].command(new OperatorCommand.Maintenance(false)));
              yield "maintenance " + tgt;
            }
            default -> {
              // A flapping link: down and up every couple of seconds.
              String other = fixedA == b ? SimWitness.NAME : b.site;
              long period = r.nextLong(SECOND / 2, 4 * SECOND);
              for (long t = at; t < at + dur; t += 2 * period) {
                long down = t;
                sim.at(down, () -> sim.network().connect(a.site(), other, false));
                sim.at(down + period, () -> sim.network().connect(a.site(), other, true));
              }
              yield "flap " + tgt + "|" + other;
            }
          };
      log.add(String.format("%.1f s +%.1f s: %s", at / 1e9, dur / 1e9, what));
    }
    return log;
  }

  /**
   * Stress for the witness-outage failsafe: the active site loses the witness for a long time (the
   * others still reach it, so any of them could be granted the ticket), while the standbys crash
   * and restart and their links to the active site lose, flap and partition.
   */
  static List<String> failsafeStress(Simulation sim, long endNanos) {
    SplittableRandom r = sim.random().split();
    List<SimAgent> agents = sim.agents();
    List<String> log = new ArrayList<>();
    long cut = r.nextLong(20 * SECOND, 40 * SECOND);
    long cutFor = r.nextLong(30 * SECOND, 150 * SECOND);
    SimAgent[] active = {agents.get(0)};
    sim.at(
        cut,
        () -> {
          active[0] = activeOr(agents, agents.get(0));
          sim.network().connect(active[0].site, SimWitness.NAME, false);
        });
    sim.at(cut + cutFor, () -> sim.network().connect(active[0].site, SimWitness.NAME, true));
    log.add(String.format("%.1f s +%.1f s: partition active|witness", cut / 1e9, cutFor / 1e9));
    int faults = 2 + r.nextInt(6);
    for (int i = 0; i < faults; i++) {
      long at = cut + r.nextLong(0, cutFor);
      long dur = r.nextLong(SECOND / 10, 15 * SECOND);
      int pick = r.nextInt(agents.size());
      int kind = r.nextInt(4);
      SimAgent[] x = {agents.get(pick)};
      Runnable choose =
          () -> {
            // A standby: any site that is not the one cut off from the witness.
            SimAgent c = agents.get(pick);
            x[0] = c == active[0] ? agents.get((pick + 1) % agents.size()) : c;
          };
      sim.at(at - 1, choose);
      switch (kind) {
        case 0 -> {
          sim.at(at, () -> x[0].crash());
          sim.at(at + dur, () -> x[0].start(0));
        }
        case 1 -> {
          double loss = 0.3 + r.nextDouble() * 0.6;
          sim.at(at, () -> sim.network().loss(active[0].site, x[0].site, loss));
          sim.at(at + dur, () -> sim.network().loss(active[0].site, x[0].site, 0));
        }
        case 2 -> {
          sim.at(at, () -> sim.network().link(x[0].site, active[0].site).up = false);
          sim.at(at + dur, () -> sim.network().link(x[0].site, active[0].site).up = true);
        }
        default -> {
          sim.at(at, () -> sim.network().link(active[0].site, x[0].site).up = false);
          sim.at(at + dur, () -> sim.network().link(active[0].site, x[0].site).up = true);
        }
      }
      log.add(String.format("%.1f s +%.1f s: standby fault %d", at / 1e9, dur / 1e9, kind));
    }
    return log;
  }

  private static SimAgent activeOr(List<SimAgent> agents, SimAgent fallback) {
    for (SimAgent x : agents) {
      if (x.alive() && x.state() == AgentState.ACTIVE) {
        return x;
      }
    }
    return fallback;
  }
}
