package io.tandem.app.witness.bench;

import io.tandem.app.witness.WitnessWire;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * One level of {@code scripts/bench-witness}'s datagram mode (the default): the real witness
 * process ({@link BenchWitness}, as the systemd unit starts it, pinned to its CPU) with {@code
 * count} cluster files; every holder acquires its ticket over HTTPS as its agent does (the grant is
 * durable before it is answered), then every site renews or reads over datagrams exactly as {@code
 * DatagramWitness} does, on the agent profile's schedule ({@link DatagramLoad}), for a warm-up and
 * a measured window. Reports answer latency, datagrams lost, the witness's CPU (user and kernel)
 * and RSS, and the generator's CPU.
 */
final class DatagramRun {

  private static final int ACQUIRE_CONNECTIONS = 64;

  private DatagramRun() {}

  static Map<String, Object> run(int count) throws Exception {
    Path dir = Files.createTempDirectory("tandem-witness-bench");
    List<BenchClusters.Cluster> clusters = BenchClusters.write(dir, count);
    Path keystore = BenchClusters.keystore(dir);
    SSLContext tls = WitnessLoadBench.trusting(keystore);
    AgentProfile profile = AgentProfile.fromSystemProperties();
    Duration warmup = WitnessLoadBench.seconds("bench.warmupSeconds", 40);
    Duration window = WitnessLoadBench.seconds("bench.seconds", 60);
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("clusters", count);
    run.put("sites", 2 * count);
    run.put(
        "transport",
        "datagrams (UDP, HMAC-SHA256) for renewals and reads, as DatagramWitness sends them;"
            + " acquires over HTTPS (TLS 1.3)");
    run.put("profile", profile.describe());
    try (BenchWitness w =
        BenchWitness.start(dir.resolve("clusters"), dir.resolve("data"), keystore)) {
      run.put("startup_s", AgentLoad.round(w.startup.toNanos() / 1e9));
      run.put("rss_after_start_mib", AgentLoad.round(w.rssMiB()));
      run.put("witness_cpus", w.cpus);
      run.put("witness_jar", System.getProperty("bench.witnessJar", "app/target/tandem.jar"));
      String extra = System.getProperty("bench.witnessJavaOptions", "");
      if (!extra.isBlank()) {
        // TANDEM_JAVA_OPTS then replaced the launcher's defaults: say what ran
        run.put("witness_java_options", (BenchWitness.unitJavaOptions() + " " + extra).trim());
      }
      long t0 = System.nanoTime();
      List<DatagramLoad.Site> sites = acquireAll(profile, tls, w.port, clusters);
      run.put("acquire_s", AgentLoad.round((System.nanoTime() - t0) / 1e9));
      run.put("generator_cpus", Runtime.getRuntime().availableProcessors());
      try (DatagramLoad load =
          new DatagramLoad(profile, sites, new InetSocketAddress("127.0.0.1", w.port))) {
        drive(load, w.pid, "witness", profile, warmup, window, run, w);
        run.put("rss_mib", AgentLoad.round(w.rssMiB()));
      }
      run.put(
          "witness_log_warnings",
          w.output.stream()
              .filter(l -> l.contains("WARN") || l.contains("ERROR"))
              .limit(5)
              .toList());
    }
    System.out.println("built-in witness (datagrams), " + count + " clusters: " + run);
    return run;
  }

  /**
   * Runs {@code load} for the warm-up, then measures the window: the target's CPU (user and
   * kernel), the generator's (its JVM and its sender threads), the load's figures, and the target's
   * CPU per answered datagram.
   */
  static void drive(
      DatagramLoad load,
      long targetPid,
      String target,
      AgentProfile profile,
      Duration warmup,
      Duration window,
      Map<String, Object> run,
      BenchWitness witness)
      throws Exception {
    load.start();
    TimeUnit.NANOSECONDS.sleep(warmup.toNanos()); // the load runs meanwhile
    int gc0 = witness == null ? 0 : witness.gcPausesMillis().size();
    long[] cpu0 = BenchWitness.userSystemNanos(targetPid);
    long[] gen0 = BenchWitness.userSystemNanos(ProcessHandle.current().pid());
    long thr0 = load.threadCpuNanos();
    long busy0 = load.busyNanos();
    long m0 = System.nanoTime();
    load.measure(window);
    TimeUnit.NANOSECONDS.sleep(window.toNanos());
    double wall = (System.nanoTime() - m0) / 1e9;
    long[] cpu1 = BenchWitness.userSystemNanos(targetPid);
    long[] gen1 = BenchWitness.userSystemNanos(ProcessHandle.current().pid());
    long thr1 = load.threadCpuNanos();
    long busy1 = load.busyNanos();
    run.put(
        target + "_cores", AgentLoad.round((cpu1[0] + cpu1[1] - cpu0[0] - cpu0[1]) / 1e9 / wall));
    run.put(target + "_user_cores", AgentLoad.round((cpu1[0] - cpu0[0]) / 1e9 / wall));
    run.put(target + "_system_cores", AgentLoad.round((cpu1[1] - cpu0[1]) / 1e9 / wall));
    run.put(
        "generator_cores", AgentLoad.round((gen1[0] + gen1[1] - gen0[0] - gen0[1]) / 1e9 / wall));
    run.put("generator_user_cores", AgentLoad.round((gen1[0] - gen0[0]) / 1e9 / wall));
    run.put("generator_system_cores", AgentLoad.round((gen1[1] - gen0[1]) / 1e9 / wall));
    run.put("generator_thread_cores", AgentLoad.round((thr1 - thr0) / 1e9 / wall));
    if (busy0 >= 0) {
      // spinning senders burn their CPU whole: their working time is what they cost
      run.put("generator_spins", true);
      run.put("generator_busy_cores", AgentLoad.round((busy1 - busy0) / 1e9 / wall));
    }
    run.put("loadavg", Files.readString(Path.of("/proc/loadavg")).trim());
    if (witness != null && witness.gcLog != null) {
      List<Double> all = witness.gcPausesMillis();
      run.put("witness_gc_pauses", gcFigures(all.subList(gc0, all.size()), wall));
      run.put("witness_gc_pauses_whole_run", gcFigures(all, Double.NaN));
    }
    // let the window's last datagrams be answered or given up before counting
    TimeUnit.NANOSECONDS.sleep(profile.retryTimeout().toNanos() * 2);
    run.putAll(load.figures(window));
    double answeredPerS = ((Number) run.get("answered_per_s")).doubleValue();
    double cores = ((Number) run.get(target + "_cores")).doubleValue();
    // the target's CPU per answered datagram: the figure the machine's load moves least
    run.put(
        target + "_cpu_us_per_answer",
        answeredPerS == 0 ? null : AgentLoad.round(cores * 1e6 / answeredPerS));
    double genCores =
        ((Number) run.getOrDefault("generator_busy_cores", run.get("generator_thread_cores")))
            .doubleValue();
    double sentPerS = ((Number) run.get("datagrams_per_s")).doubleValue();
    run.put(
        "generator_cpu_us_per_datagram",
        sentPerS == 0 ? null : AgentLoad.round(genCores * 1e6 / sentPerS));
    if (target.equals("witness")) {
      run.put(
          "projected_datagrams_per_s_on_one_core",
          answeredPerS == 0 || cores == 0 ? null : Math.round(answeredPerS / cores));
    }
  }

  /** Count, pauses per second, p50 / p99 / max and total ms of the GC pauses {@code ms}. */
  static Map<String, Object> gcFigures(List<Double> ms, double seconds) {
    Map<String, Object> f = new LinkedHashMap<>();
    List<Double> sorted = ms.stream().sorted().toList();
    f.put("count", sorted.size());
    if (!Double.isNaN(seconds)) {
      f.put("per_s", AgentLoad.round(sorted.size() / seconds));
    }
    if (!sorted.isEmpty()) {
      f.put("p50_ms", AgentLoad.round(sorted.get(sorted.size() / 2)));
      f.put(
          "p99_ms",
          AgentLoad.round(sorted.get((int) Math.min(sorted.size() - 1, sorted.size() * 0.99))));
      f.put("max_ms", AgentLoad.round(sorted.get(sorted.size() - 1)));
      f.put("total_ms", AgentLoad.round(sorted.stream().mapToDouble(Double::doubleValue).sum()));
    }
    return f;
  }

  /**
   * The generator proved against a trivial target ({@link UdpEcho}, its own JVM pinned to the
   * witness's CPU): with {@code count} clusters' sites on the same schedule, does it keep it, at
   * what rate and CPU. {@code -Dbench.target=echo}.
   */
  static Map<String, Object> echo(int count) throws Exception {
    AgentProfile profile = AgentProfile.fromSystemProperties();
    Duration warmup = WitnessLoadBench.seconds("bench.warmupSeconds", 40);
    Duration window = WitnessLoadBench.seconds("bench.seconds", 60);
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("clusters", count);
    run.put("sites", 2 * count);
    run.put("target", "udp echo (UdpEcho): every datagram sent back as it came");
    run.put("profile", profile.describe());
    String cpu = System.getProperty("bench.witnessCpu", "1");
    List<String> cmd = new ArrayList<>();
    if (!cpu.equals("none")) {
      cmd.addAll(List.of("taskset", "-c", cpu));
    }
    cmd.addAll(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            BenchWitness.ROOT.resolve("app/target/test-classes").toString(),
            UdpEcho.class.getName()));
    Process echo = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      java.io.BufferedReader out =
          new java.io.BufferedReader(new java.io.InputStreamReader(echo.getInputStream()));
      String line = out.readLine();
      if (line == null || !line.startsWith("udp echo on ")) {
        throw new IllegalStateException("udp echo did not start: " + line);
      }
      int port = Integer.parseInt(line.substring("udp echo on ".length()).trim());
      run.put("echo_cpus", cpu);
      List<DatagramLoad.Site> sites = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String c = BenchClusters.name(i);
        sites.add(new DatagramLoad.Site(c, "alpha", "secret-" + c + "-alpha-0123456789", true, 1));
        sites.add(new DatagramLoad.Site(c, "beta", "secret-" + c + "-beta-01234567890", false, 0));
      }
      try (DatagramLoad load =
          new DatagramLoad(
              profile,
              sites,
              new InetSocketAddress("127.0.0.1", port),
              DatagramLoad.threads(),
              true,
              Boolean.parseBoolean(System.getProperty("bench.generatorSpin", "true")))) {
        drive(load, echo.pid(), "echo", profile, warmup, window, run, null);
      }
    } finally {
      echo.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    System.out.println("udp echo, " + count + " clusters: " + run);
    return run;
  }

  /**
   * Each holder acquires over HTTPS (what {@code HttpWitness.acquire} sends), a few kept-alive
   * connections at a time; returns every site with the epoch it renews.
   */
  private static List<DatagramLoad.Site> acquireAll(
      AgentProfile profile, SSLContext tls, int port, List<BenchClusters.Cluster> clusters)
      throws Exception {
    long[] epochs = new long[clusters.size()];
    AtomicInteger next = new AtomicInteger();
    String authority = "127.0.0.1:" + port;
    List<Thread> threads = new ArrayList<>();
    List<Exception> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int t = 0; t < ACQUIRE_CONNECTIONS; t++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (SiteConnection c = new SiteConnection(tls, "127.0.0.1", port, 30_000)) {
                      for (int i = next.getAndIncrement();
                          i < clusters.size();
                          i = next.getAndIncrement()) {
                        BenchClusters.Cluster k = clusters.get(i);
                        byte[] ask =
                            AgentRequests.acquire(
                                authority,
                                k.name(),
                                "alpha",
                                k.secretA(),
                                profile.ttl().toMillis(),
                                0);
                        SiteConnection.Answer a = c.send(ask);
                        // 503 (admission: the witness is busy persisting grants): ask again, as
                        // the agent does on its next tick
                        for (int tries = 0; a.status() == 503 && tries < 100; tries++) {
                          TimeUnit.MILLISECONDS.sleep(profile.tick().toMillis());
                          a = c.send(ask);
                        }
                        WitnessWire.Result r =
                            WitnessLoadBench.JSON.readValue(a.body(), WitnessWire.Result.class);
                        if (a.status() != 200 || !r.granted()) {
                          throw new IllegalStateException(k.name() + ": " + a);
                        }
                        epochs[i] = r.ticket().epoch();
                      }
                    } catch (Exception e) {
                      failures.add(e);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("acquires failed", failures.get(0));
    }
    List<DatagramLoad.Site> sites = new ArrayList<>();
    for (int i = 0; i < clusters.size(); i++) {
      BenchClusters.Cluster k = clusters.get(i);
      sites.add(new DatagramLoad.Site(k.name(), "alpha", k.secretA(), true, epochs[i]));
      sites.add(new DatagramLoad.Site(k.name(), "beta", k.secretB(), false, 0));
    }
    return sites;
  }
}
