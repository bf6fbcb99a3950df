package io.tandem.app.bench;

import io.tandem.sim.lab.SimSipServer;
import io.tandem.sim.pbx.AmiServer;
import io.tandem.sim.pbx.PbxFaults;
import io.tandem.sim.pbx.PbxModel;
import io.tandem.sim.peer.RealPeers;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code scripts/bench-abuse}: a built-in witness and two agents started as real processes from the
 * built jar through the installed launcher ({@code packaging/bin/tandem}), each site with a
 * simulated PBX (SIP OPTIONS as the health sensor, AMI for the switchover's call drain) in this
 * process, and the service's DNS record on a real BIND (RFC 2136); once {@code alpha} is active, 30
 * s of 200 authenticated API requests a second plus 100 wrong-password requests a second against
 * it, with a switchover to {@code beta} after 5 s. Measured from outside: what the clients got, the
 * ticket's holder and epoch as the agents report them (sampled 4 times a second), and each agent's
 * tick lateness ({@code GET /api/v1/agent/ticks}). Writes JSON to {@code bench.out}.
 *
 * <p>Not part of the test suite (the class name matches no Surefire include); run it with the
 * script, which builds the jar first.
 */
class AbuseBenchmark {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final JsonMapper JSON = JsonMapper.shared();
  static final String OPERATOR_PW = "operator-password-for-bench";
  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(2))
          .executor(Executors.newFixedThreadPool(8))
          .build();

  final int seconds = Integer.getInteger("bench.seconds", 30);
  final int goodRate = Integer.getInteger("bench.goodRate", 200);
  final int badRate = Integer.getInteger("bench.badRate", 100);
  final int switchAfter = Integer.getInteger("bench.switchoverAfter", 5);
  final Path out =
      Path.of(System.getProperty("bench.out", ROOT.resolve("target/bench/abuse.json").toString()));
  final List<Process> processes = new ArrayList<>();
  final List<AutoCloseable> peers = new ArrayList<>();

  /** What one kind of client got. */
  static final class Tally {
    final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final ConcurrentLinkedQueue<Long> latencyNanos = new ConcurrentLinkedQueue<>();

    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("sent", sent.get());
      Map<String, Long> s = new java.util.TreeMap<>();
      statuses.forEach((k, v) -> s.put(k.toString(), v.get()));
      m.put("statuses", s);
      m.put("noAnswer", failed.get());
      m.put("notSentTooManyInFlight", skipped.get());
      long[] l = latencyNanos.stream().mapToLong(Long::longValue).sorted().toArray();
      m.put("latencyP50Ms", ms(pct(l, 0.5)));
      m.put("latencyP99Ms", ms(pct(l, 0.99)));
      return m;
    }
  }

  @Test
  void floodTheActiveAgentDuringASwitchover() throws Exception {
    Path jar =
        Path.of(System.getProperty("bench.jar", ROOT.resolve("app/target/tandem.jar").toString()));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " not found: build it first (scripts/bench-abuse does)");
    }
    Path dir = Files.createTempDirectory("tandem-bench-abuse-");
    try {
      run(jar, dir);
    } finally {
      for (Process p : processes) {
        p.destroy();
      }
      for (Process p : processes) {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
      for (AutoCloseable c : peers) {
        c.close();
      }
    }
  }

  private void run(Path jar, Path dir) throws Exception {
    // simulated PBXs: SIP OPTIONS and AMI per site
    Map<String, int[]> pbx = new LinkedHashMap<>();
    for (String site : List.of("alpha", "beta")) {
      SimSipServer sip = SimSipServer.pbx(site, Clock.systemUTC());
      AmiServer ami =
          new AmiServer(
              new PbxModel("Asterisk 22.1.0 (simulated " + site + ")"),
              new PbxFaults(),
              "tandem",
              "ami-secret-for-bench");
      peers.add(sip);
      peers.add(ami);
      pbx.put(site, new int[] {sip.port(), ami.port()});
    }
    // the service moves by an RFC 2136 update on a real BIND (a cluster that moves nothing is no
    // cluster: every activation would fail and the sites would hand the ticket back and forth)
    RealPeers.RunningBind9 bind = RealPeers.startBind9();
    peers.add(bind);
    int witnessPort = freePort();
    int alphaPort = freePort();
    int betaPort = freePort();
    Path config = dir.resolve("cluster.yaml");
    Files.writeString(config, config(witnessPort, alphaPort, betaPort, pbx, bind));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TANDEM_JAR", jar.toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("TANDEM_WITNESS_SECRET_ALPHA", "witness-secret-of-alpha-bench");
    env.put("TANDEM_WITNESS_SECRET_BETA", "witness-secret-of-beta-bench");
    env.put("TANDEM_ADMIN_PASSWORD", "admin-password-for-bench");
    env.put("TANDEM_OPERATOR_PASSWORD", OPERATOR_PW);
    env.put("TANDEM_PEER_SECRET", "peer-secret-for-the-abuse-benchmark-0123");
    env.put("AMI_SECRET", "ami-secret-for-bench");
    env.put("TSIG_SECRET", bind.tsigSecret());
    // e.g. -Dbench.javaOpts="... -XX:StartFlightRecording=..." to profile the processes
    String javaOpts = System.getProperty("bench.javaOpts");
    if (javaOpts != null && !javaOpts.isBlank()) {
      env.put("TANDEM_JAVA_OPTS", javaOpts);
    }
    start(
        dir,
        "witness",
        env,
        "witness",
        "--config",
        config.toString(),
        "--listen",
        "127.0.0.1:" + witnessPort,
        "--data-dir",
        dir.resolve("witness").toString());
    for (String site : List.of("alpha", "beta")) {
      start(
          dir,
          site,
          env,
          "agent",
          "--config",
          config.toString(),
          "--site",
          site,
          "--data-dir",
          dir.resolve(site).toString());
    }
    URI alphaUrl = URI.create("http://127.0.0.1:" + alphaPort);
    URI betaUrl = URI.create("http://127.0.0.1:" + betaPort);
    String operator =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(("operator:" + OPERATOR_PW).getBytes(StandardCharsets.UTF_8));
    String[] first = new String[1];
    org.awaitility.Awaitility.await("a site active (logs in " + dir + ")")
        .atMost(Duration.ofSeconds(300))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              // a process that exited (a changed command line, a refused config) ends the wait
              for (Process p : processes) {
                if (!p.isAlive()) {
                  throw new IllegalStateException(
                      "a process of the benchmark exited with " + p.exitValue() + "; see " + dir);
                }
              }
              return (first[0] = activeSite(alphaUrl, operator)) != null;
            });
    // flood whichever site won the first acquire, and switch over to the other
    String activeName = first[0];
    String standbyName = activeName.equals("alpha") ? "beta" : "alpha";
    URI alpha = activeName.equals("alpha") ? alphaUrl : betaUrl;
    URI beta = activeName.equals("alpha") ? betaUrl : alphaUrl;
    JsonNode before = status(alpha, operator);
    long startEpoch = before.path("ticket").path("epoch").asLong();
    System.out.printf(
        "%s active with epoch %d; flooding it for %d s (%d good + %d bad req/s), switchover"
            + " to %s after %d s%n",
        activeName, startEpoch, seconds, goodRate, badRate, standbyName, switchAfter);

    Tally good = new Tally();
    Tally bad = new Tally();
    List<Map<String, Object>> samples = new java.util.concurrent.CopyOnWriteArrayList<>();
    ScheduledExecutorService load = Executors.newScheduledThreadPool(3);
    Semaphore inFlight = new Semaphore(2000);
    long t0 = System.nanoTime();
    load.scheduleAtFixedRate(
        () -> send(alpha, "/api/v1/status", operator, good, inFlight),
        0,
        1_000_000_000L / goodRate,
        TimeUnit.NANOSECONDS);
    load.scheduleAtFixedRate(
        () ->
            send(
                alpha,
                "/api/v1/status",
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString(
                            ("operator:wrong-" + ThreadLocalRandom.current().nextLong())
                                .getBytes(StandardCharsets.UTF_8)),
                bad,
                inFlight),
        0,
        1_000_000_000L / badRate,
        TimeUnit.NANOSECONDS);
    load.scheduleAtFixedRate(
        () -> samples.add(sample(t0, alpha, beta, operator)), 0, 250, TimeUnit.MILLISECONDS);
    // the operator's switchover, sent as a well-behaved client does: a 503 with Retry-After is
    // sent again after that many seconds (at most 10 attempts); every answer is recorded
    Map<String, Object> switchover = new LinkedHashMap<>();
    List<String> attempts = new java.util.concurrent.CopyOnWriteArrayList<>();
    switchover.put("attempts", attempts);
    Runnable[] ask = new Runnable[1];
    ask[0] =
        () -> {
          try {
            HttpResponse<String> r =
                HTTP.send(
                    HttpRequest.newBuilder(alpha.resolve("/api/v1/commands/switchover"))
                        .header("Authorization", operator)
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(10))
                        .POST(
                            HttpRequest.BodyPublishers.ofString(
                                "{\"target\":\"" + standbyName + "\"}"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
            double at = (System.nanoTime() - t0) / 1e9;
            attempts.add(String.format("%.2f s: %d", at, r.statusCode()));
            switchover.put("atSeconds", at);
            switchover.put("status", r.statusCode());
            switchover.put("answer", r.body());
            long retryAfter = r.headers().firstValueAsLong("Retry-After").orElse(-1);
            if (r.statusCode() == 503 && retryAfter >= 0 && attempts.size() < 10) {
              load.schedule(ask[0], Math.max(1, retryAfter), TimeUnit.SECONDS);
            }
          } catch (IOException | InterruptedException e) {
            attempts.add(e.toString());
            switchover.put("error", e.toString());
          }
        };
    load.schedule(ask[0], switchAfter, TimeUnit.SECONDS);
    load.awaitTermination(seconds, TimeUnit.SECONDS);
    load.shutdownNow();
    inFlight.tryAcquire(2000, 15, TimeUnit.SECONDS); // let the last requests finish

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("seconds", seconds);
    result.put(
        "loadAverageAtEnd", Files.readString(Path.of("/proc/loadavg")).strip().split(" ")[0]);
    result.put("cpus", Runtime.getRuntime().availableProcessors());
    result.put("goodRequestsPerSecond", goodRate);
    result.put("badAuthRequestsPerSecond", badRate);
    result.put("good", good.json());
    result.put("badAuth", bad.json());
    result.put("switchover", switchover);
    result.put("floodedSite", activeName);
    result.put("ticket", ticketVerdict(samples, startEpoch, activeName));
    Map<String, Object> ticks = new LinkedHashMap<>();
    ticks.put(
        activeName + " (flooded)",
        JSON.readValue(get(alpha, "/api/v1/agent/ticks", operator), Map.class));
    ticks.put(standbyName, JSON.readValue(get(beta, "/api/v1/agent/ticks", operator), Map.class));
    result.put("tickLateness", ticks);
    result.put("fencingDecisions", fencing(alpha, operator, beta));
    result.put("samples", samples);
    Files.createDirectories(out.getParent());
    Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
    Map<String, Object> summary = new LinkedHashMap<>(result);
    summary.remove("samples");
    System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
    System.out.println("written to " + out);
  }

  /** The ticket over time: one handover from alpha to beta, nothing else. */
  private static Map<String, Object> ticketVerdict(
      List<Map<String, Object>> samples, long epoch, String first) {
    Map<String, Object> v = new LinkedHashMap<>();
    List<String> holders = new ArrayList<>();
    long maxEpoch = epoch;
    double noHolderSeconds = 0;
    String last = null;
    for (Map<String, Object> s : samples) {
      String h = String.valueOf(s.get("holder"));
      long e = ((Number) s.getOrDefault("epoch", 0L)).longValue();
      maxEpoch = Math.max(maxEpoch, e);
      if (!h.equals(last)) {
        holders.add(h + "@" + e + " from " + s.get("t"));
        last = h;
      }
      if ("null".equals(h) || h.isEmpty()) {
        noHolderSeconds += 0.25;
      }
    }
    v.put("holderChanges", holders);
    v.put("startEpoch", epoch);
    v.put("endEpoch", maxEpoch);
    v.put("secondsWithoutAnActiveSite", noHolderSeconds);
    v.put(
        "lost",
        maxEpoch > epoch + 1
            || holders.stream().anyMatch(h -> h.startsWith(first + "@" + (epoch + 1))));
    return v;
  }

  private Map<String, Object> sample(long t0, URI alpha, URI beta, String operator) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("t", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
    for (URI u : List.of(beta, alpha)) {
      try {
        JsonNode st = status(u, operator);
        String active = st.path("activeSite").asString(null);
        s.put("holder", active);
        s.put("epoch", st.path("ticket").path("epoch").asLong());
        return s;
      } catch (RuntimeException | IOException | InterruptedException e) {
        s.put("error:" + u.getPort(), e.toString());
      }
    }
    return s;
  }

  /** Fencing decisions either agent recorded during the run, with their reasons. */
  private List<String> fencing(URI alpha, String operator, URI beta) {
    List<String> out = new ArrayList<>();
    for (URI u : List.of(alpha, beta)) {
      try {
        for (JsonNode d : JSON.readTree(get(u, "/api/v1/decisions?limit=1000", operator))) {
          String action = d.path("action").asString("");
          String words = d.path("words").asString("");
          if (action.equals("FENCE") || words.startsWith("fencing")) {
            out.add(d.path("site").asString("") + " " + d.path("at").asString("") + " " + words);
          }
        }
      } catch (IOException | InterruptedException | RuntimeException e) {
        out.add("unreadable: " + e);
      }
    }
    return out;
  }

  private static void send(URI base, String path, String auth, Tally t, Semaphore inFlight) {
    if (!inFlight.tryAcquire()) {
      t.skipped.incrementAndGet();
      return;
    }
    t.sent.incrementAndGet();
    long start = System.nanoTime();
    HTTP.sendAsync(
            HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", auth)
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (r, e) -> {
              inFlight.release();
              if (e != null) {
                t.failed.incrementAndGet();
              } else {
                t.statuses.computeIfAbsent(r.statusCode(), k -> new AtomicLong()).incrementAndGet();
                t.latencyNanos.add(System.nanoTime() - start);
              }
            });
  }

  private static JsonNode status(URI base, String auth) throws IOException, InterruptedException {
    return JSON.readTree(get(base, "/api/v1/status", auth));
  }

  private static String activeSite(URI base, String auth) {
    try {
      return status(base, auth).path("activeSite").asString(null);
    } catch (IOException | RuntimeException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static String get(URI base, String path, String auth)
      throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", auth)
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(path + " answered " + r.statusCode());
    }
    return r.body();
  }

  private void start(Path dir, String name, Map<String, String> env, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ROOT.resolve("packaging/bin/tandem").toString());
    cmd.addAll(Arrays.asList(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("TANDEM_"));
    pb.environment().putAll(env);
    processes.add(pb.start());
  }

  private static String config(
      int witness, int alpha, int beta, Map<String, int[]> pbx, RealPeers.RunningBind9 bind) {
    StringBuilder b = new StringBuilder("cluster: bench\nsites:\n");
    int priority = 1;
    for (var e : pbx.entrySet()) {
      int port = e.getKey().equals("alpha") ? alpha : beta;
      b.append("  - name: ")
          .append(e.getKey())
          .append("\n    kind: onprem\n    priority: ")
          .append(priority++)
          .append("\n    region: lab\n    managementAddress: 127.0.0.1:")
          .append(port)
          .append("\n    pbx: { type: asterisk, host: 127.0.0.1, port: ")
          .append(e.getValue()[1])
          .append(", user: tandem, secret: \"${env:AMI_SECRET}\" }\n    sensors:\n")
          .append("      - { name: sip, kind: sip-options, critical: true, params: { target: ")
          .append("\"sip:127.0.0.1:")
          .append(e.getValue()[0])
          .append("\" } }\n");
    }
    b.append("dns:\n  - provider: rfc2136\n    zone: ")
        .append(bind.zone())
        .append("\n    name: sip.")
        .append(bind.zone())
        .append("\n    type: A\n    ttl: 5\n    values: { alpha: 127.0.0.11, beta: 127.0.0.12 }\n")
        .append("    rfc2136:\n      server: 127.0.0.1\n      port: ")
        .append(bind.port())
        .append("\n      tsigKeyName: ")
        .append(bind.tsigKeyName())
        .append("\n      tsigAlgorithm: ")
        .append(bind.tsigAlgorithm())
        .append("\n      tsigSecret: \"${env:TSIG_SECRET}\"\n");
    b.append("witness:\n  kind: builtin\n  endpoints: [ \"http://127.0.0.1:")
        .append(witness)
        .append("\" ]\n  siteSecrets:\n    alpha: \"${env:TANDEM_WITNESS_SECRET_ALPHA}\"\n")
        .append("    beta: \"${env:TANDEM_WITNESS_SECRET_BETA}\"\n")
        .append("timings:\n  tick: 500ms\n  ticketTtl: 6s\n  retryTimeout: 1s\n")
        .append("  witnessGrace: 1s\n  driftMargin: 200ms\n");
    return b.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static long pct(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  static double ms(long nanos) {
    return Math.round(nanos / 10_000.0) / 100.0;
  }
}
