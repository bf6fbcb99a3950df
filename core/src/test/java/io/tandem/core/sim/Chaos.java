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

  /** The fault kinds of {@link #extended}, by name (for the fault log and the bench). */
  static final List<String> EXTENDED_KINDS =
      List.of(
          "crash",
          "isolate",
          "partition",
          "one-way",
          "loss",
          "witness-restart",
          "unhealthy",
          "switchover",
          "maintenance",
          "flap",
          "pause",
          "agent-crash",
          "agent-restart",
          "duplicate",
          "slow",
          "force",
          "drill",
          "wall-step");

  /**
   * The extended generator (issue 13.3): everything {@link #schedule} draws, plus one-way
   * partitions between any two nodes (witness included), agent process pauses up to 3×TTL while the
   * PBX serves (SIGSTOP, GC, VM pause), an agent-only crash with the PBX left running (restarted
   * later or at once), duplicated messages, links slowed to several seconds (reordering), operator
   * commands at random moments (acknowledged forced acquire, drill = switchover there and back),
   * and steps of the witness's wall clock by up to ±2×TTL. The shipped {@link #schedule} stays as
   * it was, so its seeds keep their meaning.
   */
  static List<String> extended(Simulation sim, int faults, long endNanos) {
    SplittableRandom r = sim.random().split();
    List<SimAgent> agents = sim.agents();
    long ttl = agents.getFirst().settings.ticketTtl().toNanos();
    List<String> log = new ArrayList<>();
    for (int i = 0; i < faults; i++) {
      long at = r.nextLong(15 * SECOND, endNanos);
      long dur = r.nextLong(SECOND / 2, 40 * SECOND);
      SimAgent fixedA = agents.get(r.nextInt(agents.size()));
      SimAgent b = agents.get(r.nextInt(agents.size()));
      boolean hitActive = r.nextBoolean();
      SimAgent[] chosen = {fixedA};
      sim.at(at - 1, () -> chosen[0] = hitActive ? activeOr(agents, fixedA) : fixedA);
      String tgt = hitActive ? "active(else " + fixedA.site + ")" : fixedA.site;
      String other = fixedA == b ? SimWitness.NAME : b.site;
      int kind = r.nextInt(EXTENDED_KINDS.size());
      String what =
          switch (EXTENDED_KINDS.get(kind)) {
            case "crash" -> {
              sim.at(at, () -> chosen[0].crash());
              sim.at(at + dur, () -> chosen[0].start(0));
              yield "crash " + tgt;
            }
            case "isolate" -> {
              sim.at(at, () -> sim.isolate(chosen[0].site, true));
              sim.at(at + dur, () -> sim.isolate(chosen[0].site, false));
              yield "isolate " + tgt;
            }
            case "partition" -> {
              sim.at(at, () -> sim.network().connect(chosen[0].site, other, false));
              sim.at(at + dur, () -> sim.network().connect(chosen[0].site, other, true));
              yield "partition " + tgt + "|" + other;
            }
            case "one-way" -> {
              boolean outbound = r.nextBoolean();
              Runnable cut = () -> link(sim, chosen[0].site, other, outbound).up = false;
              Runnable heal = () -> link(sim, chosen[0].site, other, outbound).up = true;
              sim.at(at, cut);
              sim.at(at + dur, heal);
              yield "one-way " + (outbound ? tgt + "->" + other : other + "->" + tgt);
            }
            case "loss" -> {
              double loss = 0.1 + r.nextDouble() * 0.6;
              sim.at(at, () -> sim.network().loss(chosen[0].site, other, loss));
              sim.at(at + dur, () -> sim.network().loss(chosen[0].site, other, 0));
              yield String.format("loss %.2f %s|%s", loss, tgt, other);
            }
            case "witness-restart" -> {
              sim.at(at, sim.witness()::down);
              sim.at(at + dur, sim.witness()::restart);
              yield "witness down+restart";
            }
            case "unhealthy" -> {
              sim.at(at, () -> chosen[0].healthy = false);
              sim.at(at + dur, () -> chosen[0].healthy = true);
              yield "unhealthy " + tgt;
            }
            case "switchover" -> {
              sim.at(at, () -> switchover(agents, b));
              yield "switchover to " + b.site;
            }
            case "maintenance" -> {
              sim.at(at, () -> chosen[0].command(new OperatorCommand.Maintenance(true)));
              sim.at(at + dur, () -> chosen[0].command(new OperatorCommand.Maintenance(false)));
              yield "maintenance " + tgt;
            }
            case "flap" -> {
              long period = r.nextLong(SECOND / 2, 4 * SECOND);
              for (long t = at; t < at + dur; t += 2 * period) {
                long down = t;
                sim.at(down, () -> sim.network().connect(chosen[0].site, other, false));
                sim.at(down + period, () -> sim.network().connect(chosen[0].site, other, true));
              }
              yield "flap " + tgt + "|" + other;
            }
            case "pause" -> {
              long pause = r.nextLong(SECOND / 10, 3 * ttl + 1);
              sim.at(at, () -> chosen[0].pause(pause));
              yield String.format("pause %s %.1f s", tgt, pause / 1e9);
            }
            case "agent-crash" -> {
              sim.at(at, () -> chosen[0].crashAgent());
              sim.at(at + dur, () -> chosen[0].start(0));
              yield "agent crash " + tgt;
            }
            case "agent-restart" -> {
              sim.at(at, () -> chosen[0].start(0));
              yield "agent restart " + tgt;
            }
            case "duplicate" -> {
              double dup = 0.1 + r.nextDouble() * 0.5;
              sim.at(at, () -> bothWays(sim, chosen[0].site, other, l -> l.duplicate = dup));
              sim.at(at + dur, () -> bothWays(sim, chosen[0].site, other, l -> l.duplicate = 0));
              yield String.format("duplicate %.2f %s|%s", dup, tgt, other);
            }
            case "slow" -> {
              long slow = r.nextLong(SECOND, 6 * SECOND);
              sim.at(
                  at, () -> bothWays(sim, chosen[0].site, other, l -> l.slowMaxDelayNanos = slow));
              sim.at(
                  at + dur,
                  () -> bothWays(sim, chosen[0].site, other, l -> l.slowMaxDelayNanos = 0));
              yield String.format("slow %s|%s up to %.1f s", tgt, other, slow / 1e9);
            }
            case "force" -> {
              sim.at(
                  at,
                  () ->
                      fixedA.command(
                          new OperatorCommand.ForceAcquire(OperatorCommand.FORCE_ACKNOWLEDGEMENT)));
              yield "forced acquire at " + fixedA.site;
            }
            case "drill" -> {
              SimAgent[] home = {null};
              sim.at(
                  at,
                  () -> {
                    home[0] = activeOr(agents, null);
                    switchover(agents, b);
                  });
              sim.at(
                  at + Math.max(dur, 20 * SECOND),
                  () -> {
                    if (home[0] != null) {
                      switchover(agents, home[0]);
                    }
                  });
              yield "drill to " + b.site + " and back";
            }
            default -> {
              long step = r.nextLong(-2 * ttl, 2 * ttl + 1);
              sim.at(at, () -> sim.witness().stepWallClock(step));
              yield String.format("witness wall clock steps %+.1f s", step / 1e9);
            }
          };
      log.add(String.format("%.1f s +%.1f s: %s", at / 1e9, dur / 1e9, what));
    }
    return log;
  }

  private static SimNetwork.Link link(Simulation sim, String a, String b, boolean aToB) {
    return aToB ? sim.network().link(a, b) : sim.network().link(b, a);
  }

  private static void bothWays(
      Simulation sim, String a, String b, java.util.function.Consumer<SimNetwork.Link> change) {
    change.accept(sim.network().link(a, b));
    change.accept(sim.network().link(b, a));
  }

  private static void switchover(List<SimAgent> agents, SimAgent target) {
    for (SimAgent x : agents) {
      if (x.alive() && x.state() == AgentState.ACTIVE && x != target) {
        x.command(new OperatorCommand.Switchover(target.site));
      }
    }
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
    return fallback; // may be null for a drill with nobody active
  }
}
