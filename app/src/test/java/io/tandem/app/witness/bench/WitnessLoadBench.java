package io.tandem.app.witness.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.tandem.app.witness.WitnessWire;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.onprem.etcd.EtcdWitness;
import io.tandem.onprem.etcd.EtcdWitnessConfig;
import io.tandem.testkit.Etcd;
import io.tandem.testkit.EtcdPeer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code scripts/bench-witness}: the real witness process ({@link BenchWitness}, started as the
 * systemd unit starts it) under the load the agents generate, at each level of {@code
 * -Dbench.levels} clusters: by default renewals and reads as datagrams ({@link DatagramRun}), with
 * {@code -Dbench.transport=https} every request over HTTPS ({@link HttpLoad}); then etcd on the
 * same machine, both its bare leases kept alive and the {@code EtcdWitness} as agents use it.
 * Prints and writes {@code app/target/bench/witness.json}. Not a test: run only by name (its class
 * name does not end in Test).
 */
@Etcd
class WitnessLoadBench {

  static final JsonMapper JSON = JsonMapper.shared();
  static final Map<String, Object> RESULT = new LinkedHashMap<>();

  static List<Integer> levels(String property, String fallback) {
    List<Integer> l = new ArrayList<>();
    for (String s : System.getProperty(property, fallback).split(",")) {
      if (!s.isBlank()) {
        l.add(Integer.parseInt(s.trim()));
      }
    }
    return l;
  }

  static Duration seconds(String property, int fallback) {
    return Duration.ofSeconds(Integer.getInteger(property, fallback));
  }

  @AfterAll
  static void write() throws Exception {
    RESULT.put("machine", machine());
    Path out = BenchWitness.ROOT.resolve("app/target/bench/witness.json");
    Files.createDirectories(out.getParent());
    String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(RESULT);
    Files.writeString(out, text);
    System.out.println(text);
    System.out.println("written to " + out);
  }

  @Test
  void builtInWitness() throws Exception {
    // -Dbench.transport=datagram (the default: renewals and reads as agents now send them) or
    // https (every request over HTTPS, as before issue 17.1's datagrams; for comparison)
    boolean datagrams = !"https".equals(System.getProperty("bench.transport", "datagram"));
    List<Map<String, Object>> runs = new ArrayList<>();
    for (int clusters : levels("bench.levels", "1000,5000,10000,20000")) {
      // -Dbench.target=echo: the generator proved against a trivial echo, not the witness
      boolean echo = "echo".equals(System.getProperty("bench.target", "witness"));
      runs.add(
          echo
              ? DatagramRun.echo(clusters)
              : datagrams ? DatagramRun.run(clusters) : builtIn(clusters));
    }
    RESULT.put("builtin", runs);
  }

  @Test
  void etcd(EtcdPeer etcd) throws Exception {
    if (!Boolean.parseBoolean(System.getProperty("bench.etcd", "true"))) {
      return;
    }
    List<Map<String, Object>> runs = new ArrayList<>();
    for (int clusters : levels("bench.etcdLevels", "1000,10000")) {
      runs.add(etcdRun(etcd, clusters, false));
      runs.add(etcdRun(etcd, clusters, true));
    }
    RESULT.put("etcd", runs);
  }

  // ---- the built-in witness ----

  private Map<String, Object> builtIn(int count) throws Exception {
    Path dir = Files.createTempDirectory("tandem-witness-bench");
    List<BenchClusters.Cluster> clusters = BenchClusters.write(dir, count);
    boolean https = Boolean.parseBoolean(System.getProperty("bench.tls", "true"));
    Path keystore = https ? BenchClusters.keystore(dir) : null;
    SSLContext tls = https ? trusting(keystore) : null;
    // each site keeps a connection, unless the open-file limit cannot hold them all
    boolean shared = 2L * count + 500 > openFileLimit();
    int connectsPerSecond = Integer.getInteger("bench.connectsPerSecond", 200);
    Duration ramp = Duration.ofMillis(1000L * (shared ? count : 2 * count) / connectsPerSecond);
    Duration warmup = ramp.plus(seconds("bench.warmupSeconds", 40));
    Duration window = seconds("bench.seconds", 60);
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("clusters", count);
    run.put("sites", 2 * count);
    run.put(
        "transport",
        (https ? "https (TLS 1.3)" : "http (loopback)")
            + (shared
                ? ", one persistent connection per cluster shared by its two sites (open-file"
                    + " limit "
                    + openFileLimit()
                    + ")"
                : ", one persistent connection per site"));
    run.put("connect_ramp_s", ramp.toSeconds());
    AgentProfile profile = AgentProfile.fromSystemProperties();
    run.put("profile", profile.describe());
    try (BenchWitness w =
        BenchWitness.start(dir.resolve("clusters"), dir.resolve("data"), keystore)) {
      run.put("startup_s", AgentLoad.round(w.startup.toNanos() / 1e9));
      run.put("rss_after_start_mib", AgentLoad.round(w.rssMiB()));
      run.put("witness_cpus", w.cpus);
      List<HttpLoad.Site> sites = new ArrayList<>();
      for (BenchClusters.Cluster c : clusters) {
        sites.add(new HttpLoad.Site(c.name(), "alpha", c.secretA(), true));
        sites.add(new HttpLoad.Site(c.name(), "beta", c.secretB(), false));
      }
      int threads =
          Integer.getInteger("bench.generatorThreads", Runtime.getRuntime().availableProcessors());
      run.put("generator_threads", threads);
      run.put("generator_cpus", Runtime.getRuntime().availableProcessors());
      long fdBudget = openFileLimit() - 500;
      try (HttpLoad load =
          new HttpLoad(
              profile,
              sites,
              https ? nettyClientTls(keystore) : null,
              new java.net.InetSocketAddress("127.0.0.1", w.port),
              shared,
              (int) Math.min(Integer.MAX_VALUE, fdBudget),
              threads)) {
        load.start(ramp);
        TimeUnit.NANOSECONDS.sleep(warmup.toNanos()); // the load runs meanwhile
        long[] cpu0 = BenchWitness.userSystemNanos(w.pid);
        long gen0 = BenchWitness.cpuNanos(ProcessHandle.current().pid());
        long t0 = System.nanoTime();
        load.measure(window);
        TimeUnit.NANOSECONDS.sleep(window.toNanos());
        double wall = (System.nanoTime() - t0) / 1e9;
        long[] cpu1 = BenchWitness.userSystemNanos(w.pid);
        long gen1 = BenchWitness.cpuNanos(ProcessHandle.current().pid());
        run.put(
            "witness_cores", AgentLoad.round((cpu1[0] + cpu1[1] - cpu0[0] - cpu0[1]) / 1e9 / wall));
        run.put("witness_user_cores", AgentLoad.round((cpu1[0] - cpu0[0]) / 1e9 / wall));
        run.put("witness_system_cores", AgentLoad.round((cpu1[1] - cpu0[1]) / 1e9 / wall));
        run.put("generator_cores", AgentLoad.round((gen1 - gen0) / 1e9 / wall));
        run.put("rss_mib", AgentLoad.round(w.rssMiB()));
        run.put("loadavg", Files.readString(Path.of("/proc/loadavg")).trim());
        // let the last requests of the window end (answered or given up) before counting
        TimeUnit.NANOSECONDS.sleep(profile.retryTimeout().toNanos() * 2);
        run.putAll(load.figures(window));
      }
      List<AgentLoad.Site> holders = new ArrayList<>();
      for (HttpLoad.Site s : sites) {
        AgentLoad.Site a = new AgentLoad.Site(s.cluster, s.name, s.secret, s.holder);
        a.epoch = s.epoch; // the holder releases the epoch it holds
        holders.add(a);
      }
      run.put(
          "witness_log_warnings",
          w.output.stream()
              .filter(l -> l.contains("WARN") || l.contains("ERROR"))
              .limit(5)
              .toList());
      System.out.println("built-in witness, " + count + " clusters (steady): " + run);
      try {
        run.put("failover_burst", burst(profile, tls, w.port, holders, Math.min(count, 2000)));
      } catch (Exception e) {
        run.put("failover_burst", Map.of("failed", e.toString()));
      }
    }
    System.out.println("built-in witness, " + count + " clusters: " + run);
    return run;
  }

  /**
   * {@code n} clusters fail over at once: each holder releases, then every standby acquires
   * concurrently; each grant is persisted before it is answered (group commit).
   */
  private static Map<String, Object> burst(
      AgentProfile profile, SSLContext tls, int port, List<AgentLoad.Site> sites, int n)
      throws Exception {
    HttpBackend backend = new HttpBackend(profile, tls, port, false);
    List<Thread> threads = new ArrayList<>();
    long[] done = new long[n];
    boolean[] granted = new boolean[n];
    int releaseFailures = 0;
    for (int i = 0; i < n; i++) {
      AgentLoad.Site holder = sites.get(2 * i);
      try {
        backend.connect(holder);
        backend.release(holder);
      } catch (java.io.IOException e) {
        releaseFailures++; // that cluster's standby waits for the TTL and the grace instead
      } finally {
        backend.close(holder);
      }
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      int k = i;
      AgentLoad.Site standby = sites.get(2 * i + 1);
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      backend.connect(standby);
                      granted[k] = backend.acquire(standby) == AgentLoad.Outcome.OK;
                    } catch (Exception e) {
                      granted[k] = false;
                    } finally {
                      done[k] = System.nanoTime();
                      backend.close(standby);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join(60_000);
    }
    long last = 0;
    int ok = 0;
    for (int i = 0; i < n; i++) {
      last = Math.max(last, done[i] - t0);
      ok += granted[i] ? 1 : 0;
    }
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("clusters", n);
    b.put("granted", ok);
    b.put("release_failures", releaseFailures);
    b.put("seconds", AgentLoad.round(last / 1e9));
    b.put("acquires_per_s", AgentLoad.round(ok / (last / 1e9)));
    b.put("note", "includes a TLS handshake per acquiring site");
    return b;
  }

  /** The soft limit of open files of this process ({@code /proc/self/limits}). */
  static long openFileLimit() throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
      if (line.startsWith("Max open files")) {
        String v = line.substring(26).trim().split("\\s+")[0];
        return v.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(v);
      }
    }
    return 1024;
  }

  private static io.netty.handler.ssl.SslContext nettyClientTls(Path keystore) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, BenchWitness.KEYSTORE_PASSWORD.toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(ks);
    return io.netty.handler.ssl.SslContextBuilder.forClient()
        .sslProvider(
            io.netty.handler.ssl.OpenSsl.isAvailable()
                ? io.netty.handler.ssl.SslProvider.OPENSSL
                : io.netty.handler.ssl.SslProvider.JDK)
        .protocols("TLSv1.3")
        .trustManager(tmf)
        .build();
  }

  static SSLContext trusting(Path keystore) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, BenchWitness.KEYSTORE_PASSWORD.toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /**
   * The HTTP(S) backend: what {@code HttpWitness} sends. Each site has its own connection, unless
   * {@code shared}: then the two sites of a cluster use one (the bench machine's open-file limit
   * cannot hold 20,000 connections in one process; the requests are the same).
   */
  static final class HttpBackend implements AgentLoad.Backend {
    private final AgentProfile profile;
    private final SSLContext tls;
    private final int port;
    private final boolean shared;
    private final Map<String, SiteConnection> byCluster =
        new java.util.concurrent.ConcurrentHashMap<>();

    HttpBackend(AgentProfile profile, SSLContext tls, int port, boolean shared) {
      this.profile = profile;
      this.tls = tls;
      this.port = port;
      this.shared = shared;
    }

    @Override
    public void connect(AgentLoad.Site s) throws Exception {
      SiteConnection c =
          shared
              ? byCluster.computeIfAbsent(
                  s.cluster, k -> new SiteConnection(tls, "127.0.0.1", port, 1000))
              : new SiteConnection(tls, "127.0.0.1", port, 1000);
      c.connect();
      s.connection = c;
    }

    private static SiteConnection c(AgentLoad.Site s) {
      return (SiteConnection) s.connection;
    }

    private String authority() {
      return "127.0.0.1:" + port;
    }

    @Override
    public AgentLoad.Outcome acquire(AgentLoad.Site s) throws Exception {
      return outcome(
          s,
          c(s).send(
                  AgentRequests.acquire(
                      authority(),
                      s.cluster,
                      s.name,
                      s.secret,
                      profile.ttl().toMillis(),
                      s.epoch)));
    }

    @Override
    public AgentLoad.Outcome renew(AgentLoad.Site s) throws Exception {
      return outcome(
          s,
          c(s).send(
                  AgentRequests.renew(
                      authority(),
                      s.cluster,
                      s.name,
                      s.secret,
                      profile.ttl().toMillis(),
                      s.epoch)));
    }

    void release(AgentLoad.Site s) throws Exception {
      c(s).send(AgentRequests.release(authority(), s.cluster, s.name, s.secret, s.epoch));
    }

    @Override
    public AgentLoad.Outcome ticket(AgentLoad.Site s) throws Exception {
      SiteConnection.Answer a =
          c(s).send(AgentRequests.ticket(authority(), s.cluster, s.name, s.secret));
      return a.status() == 200
          ? AgentLoad.Outcome.OK
          : a.status() == 503 ? AgentLoad.Outcome.SHED : AgentLoad.Outcome.ERROR;
    }

    private static AgentLoad.Outcome outcome(AgentLoad.Site s, SiteConnection.Answer a) {
      if (a.status() == 503) {
        return AgentLoad.Outcome.SHED;
      }
      if (a.status() != 200) {
        return AgentLoad.Outcome.ERROR;
      }
      WitnessWire.Result r = JSON.readValue(a.body(), WitnessWire.Result.class);
      if (r.granted()) {
        s.epoch = r.ticket().epoch();
        return AgentLoad.Outcome.OK;
      }
      return AgentLoad.Outcome.REFUSED;
    }

    @Override
    public void close(AgentLoad.Site s) {
      if (s.connection instanceof SiteConnection c) {
        c.close();
      }
      s.connection = null;
    }
  }

  // ---- etcd ----

  private Map<String, Object> etcdRun(EtcdPeer etcd, int count, boolean witness) throws Exception {
    Duration warmup = seconds("bench.warmupSeconds", 40);
    Duration window = seconds("bench.seconds", 60);
    long pid = etcdPid(etcd.endpoint());
    // etcd on the witness's one CPU, as the built-in witness is (all its threads)
    String cpu = System.getProperty("bench.witnessCpu", "1");
    if (!cpu.equals("none")) {
      new ProcessBuilder("taskset", "-a", "-cp", cpu, String.valueOf(pid))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(10, TimeUnit.SECONDS);
    }
    String prefix = "/tandem/bench-" + System.nanoTime() + "/";
    List<AgentLoad.Site> sites = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      sites.add(new AgentLoad.Site(BenchClusters.name(i), "alpha", "", true));
      if (witness) {
        sites.add(new AgentLoad.Site(BenchClusters.name(i), "beta", "", false));
      }
    }
    int clients = Math.max(1, sites.size() / 500);
    AgentLoad.Backend backend =
        witness
            ? new EtcdWitnessBackend(AgentProfile.fromSystemProperties(), etcd, prefix, clients)
            : new BareLeaseBackend(AgentProfile.fromSystemProperties(), etcd, clients);
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("clusters", count);
    run.put("etcd_cpus", cpu);
    run.put(
        "what",
        witness
            ? "EtcdWitness as agents use it on the profile's schedule (holder renew(), standby"
                + " observe(); one request in flight per site); "
                + clients
                + " clients"
            : "bare etcd leases: one lease per cluster kept alive at the profile's renew interval; "
                + clients
                + " clients");
    AgentProfile profile = AgentProfile.fromSystemProperties();
    run.put("profile", profile.describe());
    // the grants' ramp (-Dbench.etcdRampSeconds, default half the warm-up): at 10,000 leases a
    // 5 s ramp on one shared CPU granted nothing in time, and each timed-out grant was asked again
    // a tick later, so etcd never caught up (session 6)
    Duration ramp =
        System.getProperty("bench.etcdRampSeconds") == null
            ? warmup.dividedBy(2)
            : seconds("bench.etcdRampSeconds", 0);
    run.put("ramp_s", ramp.toSeconds());
    AgentLoad load = new AgentLoad(profile, backend, sites, ramp);
    try {
      load.start();
      TimeUnit.NANOSECONDS.sleep(warmup.toNanos());
      long cpu0 = BenchWitness.cpuNanos(pid);
      long t0 = System.nanoTime();
      load.measure(window);
      TimeUnit.NANOSECONDS.sleep(window.toNanos());
      double wall = (System.nanoTime() - t0) / 1e9;
      run.put("etcd_cores", AgentLoad.round((BenchWitness.cpuNanos(pid) - cpu0) / 1e9 / wall));
      run.put("etcd_rss_mib", AgentLoad.round(BenchWitness.rssMiB(pid)));
      load.stop();
      run.putAll(load.figures(window));
    } finally {
      ((AutoCloseable) backend).close();
      // why it was slow, in etcd's words ("apply request took too long", ...): its log beside
      // its --data-dir (the testkit's layout)
      run.put("etcd_log_warnings", etcdWarnings(pid));
    }
    System.out.println("etcd, " + count + " clusters: " + run);
    return run;
  }

  /** The last warnings and errors of the etcd process {@code pid}'s log (etcd.log). */
  private static List<String> etcdWarnings(long pid) {
    try {
      String[] cmd = Files.readString(Path.of("/proc/" + pid + "/cmdline")).split("\0");
      for (int i = 0; i + 1 < cmd.length; i++) {
        if (cmd[i].equals("--data-dir")) {
          Path log = Path.of(cmd[i + 1]).resolveSibling("etcd.log");
          List<String> w =
              Files.readAllLines(log).stream()
                  .filter(
                      l -> l.contains("\"level\":\"warn\"") || l.contains("\"level\":\"error\""))
                  .map(l -> l.length() > 300 ? l.substring(0, 300) : l)
                  .toList();
          return w.subList(Math.max(0, w.size() - 8), w.size());
        }
      }
      return List.of("(no --data-dir in etcd's command line)");
    } catch (java.io.IOException e) {
      return List.of("(etcd.log not read: " + e + ")");
    }
  }

  private static long etcdPid(String endpoint) throws Exception {
    String port = endpoint.substring(endpoint.lastIndexOf(':') + 1);
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
          if (cmd.contains("etcd") && cmd.contains("--listen-client-urls " + endpoint)) {
            return Long.parseLong(p.getFileName().toString());
          }
        } catch (java.io.IOException gone) {
          // the process ended while we looked
        }
      }
    }
    throw new IllegalStateException("no etcd process serving " + endpoint + " on port " + port);
  }

  /**
   * Acquires (grants) in flight at most, set-up only: 10,000 sites asking at once, each asking
   * again a tick after a failure, filled etcd's proposal queue ("etcdserver: too many requests" in
   * etcd.log, session 7) and nothing was ever granted; agents of 10,000 clusters do not all start
   * in the same seconds. {@code -Dbench.etcdSetupInFlight}, default 64.
   */
  static final java.util.concurrent.Semaphore SETUP =
      new java.util.concurrent.Semaphore(Integer.getInteger("bench.etcdSetupInFlight", 64));

  /** {@code EtcdWitness} exactly as the agent calls it. */
  static final class EtcdWitnessBackend implements AgentLoad.Backend, AutoCloseable {
    private final List<EtcdWitness> witnesses = new ArrayList<>();
    private final AgentProfile profile;

    EtcdWitnessBackend(AgentProfile profile, EtcdPeer etcd, String prefix, int clients) {
      this.profile = profile;
      for (int i = 0; i < 2 * clients; i++) {
        witnesses.add(
            new EtcdWitness(
                EtcdWitnessConfig.builder()
                    .endpoints(etcd.endpoint())
                    .keyPrefix(prefix)
                    .grace(Duration.ofSeconds(2))
                    .callTimeout(profile.retryTimeout())
                    .build()));
      }
    }

    private EtcdWitness w(AgentLoad.Site s) {
      // holder and standby of one cluster use different clients, as two agents would
      int i = Math.floorMod(s.cluster.hashCode(), witnesses.size() / 2);
      return witnesses.get(s.holder ? 2 * i : 2 * i + 1);
    }

    @Override
    public AgentLoad.Outcome acquire(AgentLoad.Site s) throws Exception {
      long timeout = Long.getLong("bench.etcdGrantTimeoutMs", 10_000);
      if (!SETUP.tryAcquire(timeout, TimeUnit.MILLISECONDS)) {
        throw new java.util.concurrent.TimeoutException("no set-up permit in " + timeout + " ms");
      }
      TicketResult r;
      try {
        r = w(s).acquire(TicketRequest.acquire(s.cluster, s.name, true, profile.ttl()));
      } finally {
        SETUP.release();
      }
      if (r.granted()) {
        s.epoch = r.ticket().epoch();
        return AgentLoad.Outcome.OK;
      }
      return AgentLoad.Outcome.REFUSED;
    }

    @Override
    public AgentLoad.Outcome renew(AgentLoad.Site s) {
      return w(s).renew(TicketRequest.renew(s.cluster, s.name, true, profile.ttl(), s.epoch))
              .granted()
          ? AgentLoad.Outcome.OK
          : AgentLoad.Outcome.REFUSED;
    }

    @Override
    public AgentLoad.Outcome ticket(AgentLoad.Site s) {
      w(s).observe(s.cluster);
      return AgentLoad.Outcome.OK;
    }

    @Override
    public void close() {
      witnesses.forEach(EtcdWitness::close);
    }
  }

  /** etcd's own lease keep-alive, the floor any etcd-based witness pays. */
  static final class BareLeaseBackend implements AgentLoad.Backend, AutoCloseable {
    private final List<Client> clients = new ArrayList<>();
    private final AgentProfile profile;

    BareLeaseBackend(AgentProfile profile, EtcdPeer etcd, int n) {
      this.profile = profile;
      for (int i = 0; i < n; i++) {
        clients.add(Client.builder().endpoints(etcd.endpoint()).build());
      }
    }

    private Client c(AgentLoad.Site s) {
      return clients.get(Math.floorMod(s.cluster.hashCode(), clients.size()));
    }

    @Override
    public AgentLoad.Outcome acquire(AgentLoad.Site s) throws Exception {
      // set-up only: a grant may take longer than a renewal's timeout
      // (-Dbench.etcdGrantTimeoutMs, default 10 s); asked again at once it only adds to etcd's
      // backlog
      long timeout = Long.getLong("bench.etcdGrantTimeoutMs", 10_000);
      if (!SETUP.tryAcquire(timeout, TimeUnit.MILLISECONDS)) {
        throw new java.util.concurrent.TimeoutException("no set-up permit in " + timeout + " ms");
      }
      try {
        s.epoch =
            c(s).getLeaseClient()
                .grant(Math.max(2, profile.ttl().toSeconds()))
                .get(timeout, TimeUnit.MILLISECONDS)
                .getID();
      } finally {
        SETUP.release();
      }
      return AgentLoad.Outcome.OK;
    }

    @Override
    public AgentLoad.Outcome renew(AgentLoad.Site s) throws Exception {
      long ttl =
          c(s).getLeaseClient()
              .keepAliveOnce(s.epoch)
              .get(profile.retryTimeout().toMillis(), TimeUnit.MILLISECONDS)
              .getTTL();
      return ttl > 0 ? AgentLoad.Outcome.OK : AgentLoad.Outcome.REFUSED;
    }

    @Override
    public AgentLoad.Outcome ticket(AgentLoad.Site s) {
      return null; // bare leases do not poll
    }

    @Override
    public void close() {
      clients.forEach(Client::close);
    }
  }

  private static Map<String, Object> machine() throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpus", Runtime.getRuntime().availableProcessors());
    m.put("java", System.getProperty("java.version"));
    String unitOptions = BenchWitness.unitJavaOptions();
    m.put(
        "witness_java_options",
        unitOptions.isEmpty() ? "the launcher's defaults for tandem witness" : unitOptions);
    String load = Files.readString(Path.of("/proc/loadavg")).trim();
    m.put("loadavg_at_end", load);
    assertThat(load).isNotEmpty();
    return m;
  }
}
