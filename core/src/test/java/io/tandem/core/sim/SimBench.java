package io.tandem.core.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The simulation at scale (run by {@code scripts/bench-sim}, not by the test suite: the class name
 * does not end in Test). Runs {@code bench.schedules} seeded schedules of {@code bench.kind}
 * (default: the extended fault generator on every witness backend) from seed {@code bench.from} on
 * {@code bench.threads} threads (each schedule is deterministic on its own), prints schedules/s,
 * the number of violations, every failing seed (up to 500) with its violation, and the first with
 * its replay command, and writes {@code bench.out} (JSON). {@code bench.seconds} bounds the run's
 * wall-clock time: no schedule starts after it, and the output counts the schedules that ran.
 */
class SimBench {

  @Test
  void run() throws Exception {
    long n = Long.getLong("bench.schedules", 100_000);
    long from = Long.getLong("bench.from", 0);
    String kind = System.getProperty("bench.kind", "extended");
    int threads = Integer.getInteger("bench.threads", Runtime.getRuntime().availableProcessors());
    // a wall-clock budget: stop taking new schedules after it (0 = none), so a sweep on a shared
    // machine runs as many schedules as fit in the time it was given
    long budget = Long.getLong("bench.seconds", 0) * 1_000_000_000L;
    Path out = Path.of(System.getProperty("bench.out", "target/bench/sim.json"));
    // progress as it goes (surefire holds the test's output until the test ends)
    Path progress = out.resolveSibling("sim-progress.txt");
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(progress, "");

    AtomicLong next = new AtomicLong(from);
    AtomicLong done = new AtomicLong();
    AtomicLong violations = new AtomicLong();
    AtomicLong events = new AtomicLong();
    AtomicReference<Long> firstFailing = new AtomicReference<>();
    AtomicReference<String> firstWords = new AtomicReference<>();
    java.util.Queue<String> failing = new java.util.concurrent.ConcurrentLinkedQueue<>();
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> workers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      workers.add(
          pool.submit(
              () -> {
                for (long seed = next.getAndIncrement();
                    seed < from + n && (budget == 0 || System.nanoTime() - t0 < budget);
                    seed = next.getAndIncrement()) {
                  String problem;
                  long executed;
                  try {
                    Simulation sim = SimulationReplay.simulate(seed, kind);
                    executed = sim.scheduler().executed();
                    problem = sim.violation() != null ? sim.violation() : sim.epochViolation();
                  } catch (AssertionError e) {
                    executed = 0;
                    problem = e.getMessage().lines().findFirst().orElse("assertion failed");
                  }
                  events.addAndGet(executed);
                  if (problem != null) {
                    violations.incrementAndGet();
                    failing.add(seed + ": " + problem);
                    note(progress, "bench-sim: violation at seed " + seed + ": " + problem);
                    long s = seed;
                    firstFailing.accumulateAndGet(s, (a, b) -> a == null || b < a ? b : a);
                    if (firstFailing.get() == s) {
                      firstWords.set(problem);
                    }
                  }
                  long d = done.incrementAndGet();
                  if (d % 1_000 == 0) {
                    note(
                        progress,
                        String.format(
                            Locale.ROOT,
                            "bench-sim: %,d schedules in %.0f s, %.0f/s, %d violations so far",
                            d,
                            (System.nanoTime() - t0) / 1e9,
                            d / ((System.nanoTime() - t0) / 1e9),
                            violations.get()));
                  }
                }
              }));
    }
    for (Future<?> w : workers) {
      w.get();
    }
    pool.shutdown();
    double secs = (System.nanoTime() - t0) / 1e9;
    double rate = done.get() / secs;
    Long first = firstFailing.get();
    String replay = first == null ? "" : Simulation.replayCommand(first, kind);
    System.out.printf(
        Locale.ROOT,
        "bench-sim: %,d schedules of '%s' from seed %d on %d threads in %.1f s: %.0f schedules/s,"
            + " %,d simulated events; %d violations%n",
        done.get(),
        kind,
        from,
        threads,
        secs,
        rate,
        events.get(),
        violations.get());
    // every failing seed, not only the first: each is a counterexample to classify
    failing.stream()
        .sorted()
        .limit(500)
        .forEach(f -> System.out.println("bench-sim: failing seed " + f));
    if (first != null) {
      System.out.println("bench-sim: first failing seed " + first + ": " + firstWords.get());
      System.out.println("bench-sim: replay: " + replay);
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(
        out,
        String.format(
            Locale.ROOT,
            "{\"kind\":\"%s\",\"from\":%d,\"schedules\":%d,\"threads\":%d,\"seconds\":%.1f,"
                + "\"schedulesPerSecond\":%.1f,\"events\":%d,\"violations\":%d,"
                + "\"firstFailingSeed\":%s,\"replay\":\"%s\"}%n",
            kind,
            from,
            done.get(),
            threads,
            secs,
            rate,
            events.get(),
            violations.get(),
            first == null ? "null" : first.toString(),
            replay.replace("\"", "\\\"")));
    if (budget == 0) {
      assertThat(done.get()).isEqualTo(n);
    } else {
      assertThat(done.get()).isPositive();
    }
  }

  /** Prints a line and appends it to the progress file. */
  private static synchronized void note(Path progress, String line) {
    System.out.println(line);
    try {
      Files.writeString(
          progress,
          line + System.lineSeparator(),
          java.nio.file.StandardOpenOption.APPEND,
          java.nio.file.StandardOpenOption.CREATE);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
