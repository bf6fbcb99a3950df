package io.tandem.core.witness;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Benchmark of the built-in witness logic: 10,000 clusters whose active sites renew once per
 * simulated second, while 1 % of the clusters per second lose their active site and fail over (the
 * standby's acquires are refused until expiry + grace, then granted). Simulated time, real CPU: the
 * harness advances a fake clock by one second per round and issues every call of that second as
 * fast as one thread can. Prints calls/s, grants/s, p50/p99/p99.9 latency per decision and
 * allocation per call, and writes {@code target/bench/witness.json}. A plain harness with a warm-up
 * rather than JMH: what we want is the cost of one simulated second at scale, not a micro-op.
 *
 * <p>Run: {@code scripts/bench-witness} (or this class's main with the test classpath).
 */
public final class WitnessBenchmark {

  private static final int CLUSTERS = 10_000;
  private static final Duration TTL = Duration.ofSeconds(10);

  /** A clock the harness moves by hand. */
  private static final class SimClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }

    long nanos() {
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    void advance(Duration d) {
      now = now.plus(d);
    }
  }

  private final SimClock clock = new SimClock();
  private final BuiltInWitness witness;
  private final String[] clusterNames = new String[CLUSTERS];
  private final String[] holder = new String[CLUSTERS];
  private final long[] epoch = new long[CLUSTERS];
  private final boolean[] failingOver = new boolean[CLUSTERS];
  private final SplittableRandom random = new SplittableRandom(42);
  private long grants;
  private long refusals;
  private long renewals;

  /** For JUnit, which runs {@link #run()}. */
  WitnessBenchmark() {
    this(new InMemoryWitnessStateStore());
  }

  private WitnessBenchmark(WitnessStateStore store) {
    witness =
        new BuiltInWitness(
            WitnessSettings.defaults(), clock, clock::nanos, store, SiteAuthenticator.inProcess());
    for (int i = 0; i < CLUSTERS; i++) {
      clusterNames[i] = "cluster-" + i;
    }
  }

  /** One simulated second for every cluster; records each call's latency into {@code lat}. */
  private int second(long[] lat, int n) {
    for (int i = 0; i < CLUSTERS; i++) {
      String c = clusterNames[i];
      long t0 = System.nanoTime();
      if (holder[i] == null || failingOver[i]) {
        String site = holder[i] == null ? "a" : other(holder[i]);
        TicketResult r = witness.acquire(TicketRequest.acquire(c, site, true, TTL));
        if (r.granted()) {
          holder[i] = site;
          epoch[i] = r.ticket().epoch();
          failingOver[i] = false;
          grants++;
        } else {
          refusals++;
        }
      } else {
        TicketResult r = witness.renew(TicketRequest.renew(c, holder[i], true, TTL, epoch[i]));
        if (!r.granted()) {
          throw new IllegalStateException("renewal refused: " + r.reason());
        }
        renewals++;
      }
      long t1 = System.nanoTime();
      if (lat != null && n < lat.length) {
        lat[n++] = t1 - t0;
      }
      // 1 % of active sites die this second: from now on their standby asks instead.
      if (!failingOver[i] && random.nextInt(100) == 0) {
        failingOver[i] = true;
      }
    }
    clock.advance(Duration.ofSeconds(1));
    return n;
  }

  private static String other(String site) {
    return site.equals("a") ? "b" : "a";
  }

  /** Run by {@code scripts/bench-witness --core} (surefire, by name only). */
  @org.junit.jupiter.api.Test
  void run() throws IOException {
    main(new String[0]);
  }

  public static void main(String[] args) throws IOException {
    int warmup = Integer.getInteger("bench.warmupSeconds", 60);
    int measure = Integer.getInteger("bench.seconds", 120);
    WitnessBenchmark b = new WitnessBenchmark(new InMemoryWitnessStateStore());
    for (int s = 0; s < warmup; s++) {
      b.second(null, 0);
    }
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().threadId();
    long grants0 = b.grants;
    long refusals0 = b.refusals;
    long renewals0 = b.renewals;
    long[] lat = new long[CLUSTERS * measure];
    long alloc0 = threads.getThreadAllocatedBytes(tid);
    long cpu0 = threads.getCurrentThreadCpuTime();
    long wall0 = System.nanoTime();
    int n = 0;
    for (int s = 0; s < measure; s++) {
      n = b.second(lat, n);
    }
    long wall = System.nanoTime() - wall0;
    long cpu = threads.getCurrentThreadCpuTime() - cpu0;
    long alloc = threads.getThreadAllocatedBytes(tid) - alloc0;
    long calls = n;
    long grants = b.grants - grants0;
    long refusals = b.refusals - refusals0;
    long renewals = b.renewals - renewals0;
    Arrays.sort(lat, 0, n);
    double callsPerSec = calls / (wall / 1e9);
    double grantsPerSec = grants / (wall / 1e9);
    double cpuShare = cpu / 1e9 / measure; // CPU seconds per simulated second
    long p50 = lat[(int) (n * 0.50)];
    long p99 = lat[(int) (n * 0.99)];
    long p999 = lat[(int) (n * 0.999)];
    double bytesPerCall = (double) alloc / calls;
    double allocMbPerSec = alloc / (wall / 1e9) / 1e6;

    FileGrants file = fileGrants(Integer.getInteger("bench.fileGrants", 300));
    double grantCapacity = grantCapacity(b, 10);
    double wallMsPerSecond = wall / 1e6 / measure;

    String cpus = Runtime.getRuntime().availableProcessors() + " CPUs";
    String machine =
        cpus
            + ", "
            + System.getProperty("os.name")
            + " "
            + System.getProperty("os.arch")
            + ", Java "
            + System.getProperty("java.version");
    System.out.printf(
        Locale.ROOT,
        "witness logic, %d clusters renewing once per simulated second (1 %%/s failing over), %d s"
            + " measured after %d s warm-up, one thread, %s%n",
        CLUSTERS,
        measure,
        warmup,
        machine);
    System.out.printf(
        Locale.ROOT,
        "  calls: %d (%d renewals, %d grants, %d refusals) in %.2f s wall%n",
        calls,
        renewals,
        grants,
        refusals,
        wall / 1e9);
    System.out.printf(
        Locale.ROOT,
        "  throughput: %.0f decisions/s (grants among them: %.0f/s)%n",
        callsPerSec,
        grantsPerSec);
    System.out.printf(
        Locale.ROOT,
        "  latency per decision: p50 %.2f us, p99 %.2f us, p99.9 %.2f us%n",
        p50 / 1e3,
        p99 / 1e3,
        p999 / 1e3);
    System.out.printf(
        Locale.ROOT,
        "  per simulated second for 10,000 clusters: %.1f ms wall, %.1f ms thread CPU%n",
        wallMsPerSecond,
        cpuShare * 1e3);
    System.out.printf(
        Locale.ROOT,
        "  grant capacity (every call a new epoch, in-memory store): %.0f grants/s%n",
        grantCapacity);
    System.out.printf(
        Locale.ROOT, "  allocation: %.0f bytes/decision, %.1f MB/s%n", bytesPerCall, allocMbPerSec);
    System.out.printf(
        Locale.ROOT,
        "  durable grants (file store, fsync + atomic rename + dir fsync): %d grants, %.0f grants/s,"
            + " p50 %.2f ms, p99 %.2f ms%n",
        file.grants,
        file.perSecond,
        file.p50 / 1e6,
        file.p99 / 1e6);

    Path out = Path.of(System.getProperty("bench.out", "target/bench/witness.json"));
    Files.createDirectories(out.getParent());
    String json =
        String.format(
            Locale.ROOT,
            "{%n  \"benchmark\": \"built-in witness logic\",%n  \"machine\": \"%s\",%n"
                + "  \"clusters\": %d,%n  \"warmupSimulatedSeconds\": %d,%n"
                + "  \"measuredSimulatedSeconds\": %d,%n  \"wallSeconds\": %.3f,%n"
                + "  \"calls\": %d,%n  \"renewals\": %d,%n  \"grants\": %d,%n  \"refusals\": %d,%n"
                + "  \"decisionsPerSecond\": %.0f,%n  \"grantsPerSecond\": %.0f,%n"
                + "  \"latencyP50Micros\": %.3f,%n  \"latencyP99Micros\": %.3f,%n"
                + "  \"latencyP999Micros\": %.3f,%n  \"cpuMillisPerSimulatedSecond\": %.2f,%n"
                + "  \"wallMillisPerSimulatedSecond\": %.2f,%n  \"grantCapacityPerSecond\": %.0f,%n"
                + "  \"allocatedBytesPerDecision\": %.1f,%n  \"allocationMegabytesPerSecond\": %.1f,%n"
                + "  \"fileStoreGrants\": %d,%n  \"fileStoreGrantsPerSecond\": %.1f,%n"
                + "  \"fileStoreGrantP50Millis\": %.3f,%n  \"fileStoreGrantP99Millis\": %.3f%n}%n",
            machine.replace("\"", "'"),
            CLUSTERS,
            warmup,
            measure,
            wall / 1e9,
            calls,
            renewals,
            grants,
            refusals,
            callsPerSec,
            grantsPerSec,
            p50 / 1e3,
            p99 / 1e3,
            p999 / 1e3,
            cpuShare * 1e3,
            wallMsPerSecond,
            grantCapacity,
            bytesPerCall,
            allocMbPerSec,
            file.grants,
            file.perSecond,
            file.p50 / 1e6,
            file.p99 / 1e6);
    Files.writeString(out, json);
    System.out.println("  wrote " + out.toAbsolutePath());
  }

  /** Rounds in which every cluster's ticket has expired, so every acquire is a new grant. */
  private static double grantCapacity(WitnessBenchmark b, int rounds) {
    long count = 0;
    long t0 = System.nanoTime();
    for (int r = 0; r < rounds; r++) {
      b.clock.advance(Duration.ofSeconds(20));
      for (int i = 0; i < CLUSTERS; i++) {
        TicketResult res =
            b.witness.acquire(
                TicketRequest.acquire(b.clusterNames[i], (r & 1) == 0 ? "a" : "b", true, TTL));
        if (res.granted()) {
          count++;
        }
      }
    }
    return count / ((System.nanoTime() - t0) / 1e9);
  }

  private record FileGrants(int grants, double perSecond, long p50, long p99) {}

  /** Grants through the durable file store: each one is persisted before it is answered. */
  private static FileGrants fileGrants(int count) throws IOException {
    Path dir = Files.createTempDirectory("tandem-witness-bench");
    try {
      SimClock clock = new SimClock();
      BuiltInWitness w =
          new BuiltInWitness(
              WitnessSettings.defaults(),
              clock,
              clock::nanos,
              new FileWitnessStateStore(dir),
              SiteAuthenticator.inProcess());
      long[] lat = new long[count];
      long t0 = System.nanoTime();
      for (int i = 0; i < count; i++) {
        long a = System.nanoTime();
        TicketResult r = w.acquire(TicketRequest.acquire("c" + (i % 100), "s" + i, true, TTL));
        lat[i] = System.nanoTime() - a;
        if (!r.granted()) {
          clock.advance(Duration.ofSeconds(13));
        }
      }
      long wall = System.nanoTime() - t0;
      Arrays.sort(lat);
      return new FileGrants(count, count / (wall / 1e9), lat[count / 2], lat[(int) (count * 0.99)]);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }
}
