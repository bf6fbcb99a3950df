package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import io.tandem.app.witness.WitnessConfigFiles;
import io.tandem.app.witness.WitnessDatagramServer;
import io.tandem.app.witness.WitnessHttpServer;
import io.tandem.app.witness.WitnessServerConfig;
import io.tandem.core.config.ConfigProblem;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.error.ConfigException;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.FileWitnessStateStore;
import io.tandem.core.witness.WitnessClusters;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem witness --config cluster.yaml [--config more.yaml|dir ...]}: the built-in witness
 * server, configured by the same cluster files the agents use. From each file it serves the cluster
 * named there, to its sites only, each authenticated with its own {@code witness.siteSecrets}
 * entry; the grace is the cluster's {@code timings.witnessGrace} and the longest lease its {@code
 * timings.ticketTtl}. It listens on {@code witness.listen} and keeps its state in {@code
 * witness.dataDir} (or {@code --listen} / {@code --data-dir} when no file sets them: a witness
 * serving many clusters). HTTPS with a PKCS#12 keystore, optionally mutual TLS.
 */
@Command(
    name = "witness",
    description =
        "Run the built-in witness server for the clusters in the given cluster files"
            + " (--config, repeatable; a directory means every *.yaml in it);"
            + " 'witness init' creates the DynamoDB witness table instead.",
    subcommands = WitnessInitCommand.class)
public final class WitnessCommand implements Callable<Integer> {

  // --config is checked in call(), not by picocli: picocli would demand it of 'tandem witness
  // init' too, which serves nothing.
  @Option(
      names = "--config",
      description = "A cluster file or a directory of them (repeatable; required to serve).")
  List<Path> configs;

  @Option(
      names = "--listen",
      description = "host:port to listen on, when no cluster file sets witness.listen.")
  String listen;

  @Option(
      names = "--data-dir",
      description =
          "State directory, when no cluster file sets witness.dataDir (default"
              + " /var/lib/tandem-witness).")
  Path dataDir;

  @Option(
      names = "--max-connections",
      defaultValue = "25000",
      description = "Open connections at most (each site keeps one; default 25000).")
  int maxConnections;

  @Option(
      names = "--datagrams",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Also answer renewals and ticket reads as authenticated UDP datagrams on the listen"
              + " port number (default; --no-datagrams turns it off: agents then renew over"
              + " HTTPS only).")
  boolean datagrams;

  @Option(
      names = "--tls-keystore",
      description = "PKCS#12 keystore; password in env TANDEM_WITNESS_KEYSTORE_PASSWORD.")
  Path keystore;

  @Option(
      names = "--tls-client-auth",
      defaultValue = "none",
      description = "Mutual TLS: none, want or need (with --tls-truststore).")
  String clientAuth;

  @Option(
      names = "--tls-truststore",
      description =
          "PKCS#12 truststore of the sites' CAs; password in env TANDEM_WITNESS_TRUSTSTORE_PASSWORD.")
  Path truststore;

  @Option(
      names = "--cache-dir",
      description =
          "Where to remember the valid cluster files, so that a restart parses only changed ones"
              + " (default: $CACHE_DIRECTORY, which systemd's CacheDirectory= sets; none: every"
              + " file is parsed at every start).")
  Path cacheDir;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Running running = serve(System.getenv());
    Runtime.getRuntime().addShutdownHook(new Thread(running::close, "tandem-witness-shutdown"));
    List<String> names = running.clusters();
    System.out.println("tandem witness: " + running.startup());
    System.out.println(
        "tandem witness: serving "
            + (names.size() == 1
                ? "cluster '" + names.getFirst() + "'"
                : names.size() + " clusters")
            + " on "
            + (keystore == null ? "http://" : "https://")
            + running.server().address().getHostString()
            + ":"
            + running.server().address().getPort()
            + ", state in "
            + running.state());
    return ExitCodes.RUNNING;
  }

  /**
   * A running witness server: closing it stops the listener and the state log.
   *
   * @param server the listener
   * @param store the state log
   * @param clusters the clusters served
   * @param state the state directory
   */
  public record Running(
      WitnessHttpServer server,
      Optional<WitnessDatagramServer> datagrams,
      FileWitnessStateStore store,
      List<String> clusters,
      Path state,
      Startup startup)
      implements AutoCloseable {
    @Override
    public void close() {
      datagrams.ifPresent(WitnessDatagramServer::close);
      server.close();
      store.close();
    }
  }

  /**
   * Where a start's time went (issue 17.4: a witness of 10,000 clusters must start within a
   * ticket), printed at start.
   *
   * @param files cluster files read
   * @param parsed of which parsed and validated (the others unchanged since the last start)
   * @param configMs reading the cluster files, secrets included
   * @param stateMs opening the state (snapshot and log)
   * @param listenMs building the clusters and starting the listener
   */
  public record Startup(int files, int parsed, long configMs, long stateMs, long listenMs) {
    @Override
    public String toString() {
      return "started in "
          + (configMs + stateMs + listenMs)
          + " ms: "
          + files
          + " cluster files in "
          + configMs
          + " ms ("
          + parsed
          + " parsed, "
          + (files - parsed)
          + " unchanged since the last start), state in "
          + stateMs
          + " ms, listener in "
          + listenMs
          + " ms";
    }
  }

  /**
   * Everything {@link #call} does, with the environment passed in (secret references and keystore
   * passwords resolve against it), so that {@code tandem lab} runs this very witness server in its
   * JVM: checks the options and cluster files, starts the server and returns it.
   *
   * @throws CliException with {@link ExitCodes#INVALID} when the input is wrong; nothing started
   */
  public Running serve(Map<String, String> env) {
    if (configs == null || configs.isEmpty()) {
      throw new CliException(
          "Missing required option: '--config=<cluster file or directory>'", ExitCodes.INVALID);
    }
    if (!Set.of("none", "want", "need").contains(clientAuth)) {
      throw new CliException(
          "--tls-client-auth: expected none, want or need, was " + clientAuth, ExitCodes.INVALID);
    }
    long t0 = System.nanoTime();
    // The TLS context (keystore key derivation, BoringSSL) is built on another thread while the
    // cluster files are read: it was most of a cached restart with 10,000 clusters. Any problem
    // with it is reported below, in the same order as before, by the start itself.
    Optional<WitnessHttpServer.Tls> early = earlyTls(env);
    CompletableFuture<Void> prepared =
        early
            .map(t -> CompletableFuture.runAsync(() -> WitnessHttpServer.prepare(t), PREPARE))
            .orElse(CompletableFuture.completedFuture(null));
    WitnessConfigFiles.Read read = load(env);
    WitnessServerConfig config = read.config();
    long t1 = System.nanoTime();
    String hostPort = choose("witness.listen", config.listen(), Optional.ofNullable(listen));
    Path state =
        Path.of(
            choose(
                "witness.dataDir",
                config.dataDir().map(Path::toString),
                Optional.ofNullable(dataDir).map(p -> p.toAbsolutePath().toString()),
                "/var/lib/tandem-witness"));
    InetSocketAddress address = address(hostPort);
    String host = address.getHostString();
    if (keystore == null && !host.equals("127.0.0.1") && !host.equals("::1")) {
      throw new CliException(
          "--tls-keystore: the witness listens on " + host + " beyond loopback; serve HTTPS",
          ExitCodes.INVALID);
    }
    Optional<WitnessHttpServer.Tls> tls = early.isPresent() ? early : tls(env);
    FileWitnessStateStore store = null;
    try {
      store = new FileWitnessStateStore(state.resolve("state"));
      long t2 = System.nanoTime();
      BuiltInWitness witness =
          new BuiltInWitness(
              WitnessClusters.of(
                  config.clusters().parallelStream()
                      .map(WitnessServerConfig.Cluster::toWitnessCluster)
                      .toList()),
              Clock.systemUTC(),
              System::nanoTime,
              store);
      prepared.join();
      WitnessHttpServer server =
          WitnessHttpServer.start(address, tls, witness, probes(config), maxConnections);
      Optional<WitnessDatagramServer> udp = Optional.empty();
      if (datagrams) {
        try {
          udp =
              Optional.of(
                  WitnessDatagramServer.start(
                      server.address(), witness, config.clusters(), Clock.systemUTC()));
        } catch (ConfigException e) {
          server.close();
          throw e;
        }
      }
      long t3 = System.nanoTime();
      return new Running(
          server,
          udp,
          store,
          config.clusters().stream().map(WitnessServerConfig.Cluster::name).toList(),
          state,
          new Startup(
              read.files(), read.parsed(), millis(t1 - t0), millis(t2 - t1), millis(t3 - t2)));
    } catch (ConfigException e) {
      if (store != null) {
        store.close();
      }
      throw new CliException(e.getMessage() + "; nothing started", ExitCodes.INVALID);
    }
  }

  /** Builds a TLS context ahead: a daemon thread, not the common pool the files are read on. */
  private static final Executor PREPARE =
      r -> Thread.ofPlatform().daemon().name("witness-tls-prepare").start(r);

  /** The TLS settings, when the flags and environment give them; empty to build nothing ahead. */
  private Optional<WitnessHttpServer.Tls> earlyTls(Map<String, String> env) {
    try {
      return keystore == null ? Optional.empty() : tls(env);
    } catch (CliException e) {
      return Optional.empty(); // reported where it was before, after the cluster files
    }
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }

  private WitnessConfigFiles.Read load(Map<String, String> env) {
    // systemd's CacheDirectory= sets CACHE_DIRECTORY (several directories: colon-separated)
    Optional<Path> cache =
        Optional.ofNullable(cacheDir)
            .or(
                () ->
                    Optional.ofNullable(env.get("CACHE_DIRECTORY"))
                        .filter(d -> !d.isBlank())
                        .map(d -> Path.of(d.split(":")[0])));
    try {
      return new WitnessConfigFiles(dir -> new SecretResolver(env::get, dir), cache).read(configs);
    } catch (WitnessConfigFiles.Invalid e) {
      PrintWriter err = spec.commandLine().getErr();
      e.problems().stream().map(ConfigProblem::format).forEach(err::println);
      err.flush();
      throw new CliException(
          "the witness's cluster files are invalid ("
              + e.problems().size()
              + " problems); nothing started",
          ExitCodes.INVALID);
    }
  }

  /** One source of truth: the files' value, or the flag's when no file sets it. */
  private static String choose(
      String field, Optional<String> fromFiles, Optional<String> fromFlag, String... fallback) {
    String flag = field.equals("witness.listen") ? "--listen" : "--data-dir";
    if (fromFiles.isPresent() && fromFlag.isPresent() && !fromFiles.equals(fromFlag)) {
      throw new CliException(
          flag
              + ": the cluster files set "
              + field
              + " to "
              + fromFiles.get()
              + "; give one or the other",
          ExitCodes.INVALID);
    }
    return fromFiles
        .or(() -> fromFlag)
        .or(() -> fallback.length > 0 ? Optional.of(fallback[0]) : Optional.empty())
        .orElseThrow(
            () ->
                new CliException(
                    field + ": set it in the cluster file, or give " + flag, ExitCodes.INVALID));
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    try {
      String host = hostPort.substring(0, colon).replaceAll("[\\[\\]]", "");
      int port = Integer.parseInt(hostPort.substring(colon + 1));
      return new InetSocketAddress(host, port);
    } catch (RuntimeException e) {
      throw new CliException(
          "witness.listen: expected host:port such as 0.0.0.0:7443, was " + hostPort,
          ExitCodes.INVALID);
    }
  }

  private Optional<WitnessHttpServer.Tls> tls(Map<String, String> env) {
    if (keystore == null) {
      if (truststore != null || !clientAuth.equals("none")) {
        throw new CliException(
            "--tls-truststore/--tls-client-auth: need --tls-keystore", ExitCodes.INVALID);
      }
      return Optional.empty();
    }
    return Optional.of(
        new WitnessHttpServer.Tls(
            keystore.toAbsolutePath(),
            requireEnv(env, "TANDEM_WITNESS_KEYSTORE_PASSWORD").toCharArray(),
            clientAuth,
            Optional.ofNullable(truststore).map(Path::toAbsolutePath),
            truststore == null
                ? new char[0]
                : requireEnv(env, "TANDEM_WITNESS_TRUSTSTORE_PASSWORD").toCharArray()));
  }

  static String requireEnv(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isEmpty()) {
      throw new CliException("environment variable " + name + " is not set", ExitCodes.INVALID);
    }
    return v;
  }

  /** Per cluster and site, the only targets the witness probes for it. */
  static Map<String, Map<String, Set<WitnessServerConfig.ProbeTarget>>> probes(
      WitnessServerConfig config) {
    return config.clusters().stream()
        .collect(
            Collectors.toMap(
                WitnessServerConfig.Cluster::name, WitnessServerConfig.Cluster::probes));
  }
}
