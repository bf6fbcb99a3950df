package io.tandem.app.witness.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * The real witness process for the benchmark, started as systemd starts it: {@code
 * packaging/bin/tandem witness --config <dir> --tls-keystore ...} with the JVM options the unit
 * file sets ({@code Environment="TANDEM_JAVA_OPTS=..."} read from {@code
 * packaging/systemd/tandem-witness.service}), over the built jar. Reads its CPU time and RSS from
 * {@code /proc}.
 */
final class BenchWitness implements AutoCloseable {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final String KEYSTORE_PASSWORD = "bench-store-pass";

  final Process process;
  final long pid;
  final int port;
  final List<String> output = new CopyOnWriteArrayList<>();
  Duration startup = Duration.ZERO;
  String cpus = "all";

  /** The witness's GC log ({@code -Xlog:gc}, beside its own options), or null. */
  Path gcLog;

  private final List<Process> competitors = new ArrayList<>();

  private BenchWitness(Process process, int port) {
    this.process = process;
    this.pid = process.pid();
    this.port = port;
  }

  /**
   * Starts the witness on {@code clusters} (a directory of cluster files) and waits until ready.
   */
  static BenchWitness start(Path clusters, Path dataDir, Path keystore) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // -Dbench.witnessJar: another build of the jar (e.g. before a change, for a before/after)
    Path jar =
        Path.of(
            System.getProperty(
                "bench.witnessJar", ROOT.resolve("app/target/tandem.jar").toString()));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "no " + jar + ": build it first (scripts/bench-witness does: mvnw -pl app -am package)");
    }
    // "one core": the witness pinned to one CPU (-Dbench.witnessCpu, default 1; "none" to not pin)
    String cpu = System.getProperty("bench.witnessCpu", "1");
    List<String> cmd = new ArrayList<>();
    // on a machine others load too, a diagnostic run may raise the witness's priority
    // (-Dbench.witnessNice=-5); the results then say so
    String nice = System.getProperty("bench.witnessNice", "");
    if (!nice.isBlank()) {
      cmd.addAll(List.of("nice", "-n", nice));
    }
    if (!cpu.equals("none")) {
      cmd.addAll(List.of("taskset", "-c", cpu));
    }
    cmd.addAll(
        List.of(
            ROOT.resolve("packaging/bin/tandem").toString(),
            "witness",
            "--config",
            clusters.toString(),
            "--listen",
            "127.0.0.1:" + port,
            "--data-dir",
            dataDir.toString()));
    if (keystore != null) {
      cmd.addAll(List.of("--tls-keystore", keystore.toString()));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("TANDEM_JAR", jar.toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
    // -Dbench.witnessJavaOptions adds options for a look inside, e.g. a JFR recording; the unit
    // may set none (the launcher's defaults for `tandem witness` then apply, as under systemd);
    // TANDEM_JAVA_OPTS replaces the launcher's defaults, so extra options alone replace them
    String opts =
        (unitJavaOptions() + " " + System.getProperty("bench.witnessJavaOptions", "")).trim();
    if (!opts.isEmpty()) {
      env.put("TANDEM_JAVA_OPTS", opts);
    } else {
      env.remove("TANDEM_JAVA_OPTS");
    }
    env.put("TANDEM_WITNESS_KEYSTORE_PASSWORD", KEYSTORE_PASSWORD);
    // its collections' pauses, beside the launcher's (or the unit's) options: the java launcher
    // adds JDK_JAVA_OPTIONS to the command line's, where TANDEM_JAVA_OPTS would replace them
    Path gcLog = null;
    if (Boolean.parseBoolean(System.getProperty("bench.witnessGcLog", "true"))) {
      gcLog = Files.createTempFile("tandem-witness-gc", ".log");
      env.put("JDK_JAVA_OPTIONS", "-Xlog:gc:file=" + gcLog + ":uptime");
    }
    long t0 = System.nanoTime();
    Process p = pb.start();
    BenchWitness w = new BenchWitness(p, port);
    w.gcLog = gcLog;
    w.cpus = cpu + (nice.isBlank() ? "" : ", nice " + nice);
    Thread.ofPlatform()
        .daemon(true)
        .name("witness-output")
        .start(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  w.output.add(line);
                }
              } catch (IOException e) {
                w.output.add("(output ended: " + e + ")");
              }
            });
    try {
      Awaitility.await("witness ready")
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofMillis(20))
          .failFast("witness exited", () -> !p.isAlive())
          .until(() -> w.output.stream().anyMatch(l -> l.startsWith("tandem witness: serving")));
    } catch (RuntimeException e) {
      p.destroyForcibly();
      throw new IllegalStateException("witness did not start:\n" + String.join("\n", w.output), e);
    }
    w.startup = Duration.ofNanos(System.nanoTime() - t0);
    // past capacity on purpose (-Dbench.witnessCompetitors=N): N busy loops on the witness's CPU
    // at its priority, so it gets about 1/(N+1) of that CPU while the generator keeps its
    // schedule on its own; each loop ends by itself (timeout) even if this JVM dies
    int n = Integer.getInteger("bench.witnessCompetitors", 0);
    if (n > 0 && !cpu.equals("none")) {
      long bound = 600 + 2 * WitnessLoadBench.seconds("bench.seconds", 60).toSeconds();
      for (int i = 0; i < n; i++) {
        w.competitors.add(
            new ProcessBuilder(
                    "taskset",
                    "-c",
                    cpu,
                    "timeout",
                    String.valueOf(bound),
                    "sh",
                    "-c",
                    "while :; do :; done")
                .redirectErrorStream(true)
                .start());
      }
      w.cpus += ", shared with " + n + " busy loop(s) at the same priority";
    }
    return w;
  }

  /** The pauses the GC log holds so far (ms each, in order), empty without a log. */
  List<Double> gcPausesMillis() throws IOException {
    List<Double> pauses = new ArrayList<>();
    if (gcLog == null || !Files.exists(gcLog)) {
      return pauses;
    }
    Matcher m = Pattern.compile(" Pause .* ([0-9.]+)ms$").matcher("");
    for (String line : Files.readAllLines(gcLog)) {
      if (m.reset(line).find()) {
        pauses.add(Double.parseDouble(m.group(1)));
      }
    }
    return pauses;
  }

  /**
   * The JVM options of the systemd unit ({@code Environment="TANDEM_JAVA_OPTS=..."}), empty when it
   * sets none (the launcher's defaults for {@code tandem witness} apply).
   */
  static String unitJavaOptions() throws IOException {
    String unit = Files.readString(ROOT.resolve("packaging/systemd/tandem-witness.service"));
    Matcher m = Pattern.compile("Environment=\"TANDEM_JAVA_OPTS=([^\"]*)\"").matcher(unit);
    return m.find() ? m.group(1) : "";
  }

  /** CPU time (user + system) of the process so far, in nanoseconds. */
  long cpuNanos() throws IOException {
    return cpuNanos(pid);
  }

  static long cpuNanos(long pid) throws IOException {
    long[] us = userSystemNanos(pid);
    return us[0] + us[1];
  }

  /** User and system (kernel) CPU time of the process so far, in nanoseconds. */
  static long[] userSystemNanos(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long tick = 1_000_000_000L / 100; // USER_HZ is 100 on Linux
    return new long[] {Long.parseLong(f[11]) * tick, Long.parseLong(f[12]) * tick};
  }

  /** Resident set size in MiB. */
  double rssMiB() throws IOException {
    return rssMiB(pid);
  }

  static double rssMiB(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
      }
    }
    return -1;
  }

  @Override
  public void close() throws InterruptedException {
    for (Process c : competitors) {
      c.descendants().forEach(ProcessHandle::destroyForcibly); // the loop under timeout
      c.destroyForcibly();
    }
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
