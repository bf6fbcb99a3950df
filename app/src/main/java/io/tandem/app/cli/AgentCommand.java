package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import io.tandem.app.agent.AgentAssembly;
import io.tandem.app.agent.ConfigValidation;
import io.tandem.app.agent.Providers;
import io.tandem.app.server.TandemServer;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ConfigProblem;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.error.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem agent --config cluster.yaml --site <name>}: validates the configuration (every
 * secret reference included), assembles this site's agent and serves the API, console and peer link
 * on {@code --bind}/{@code --port}. The peer secret (shared by every agent of the cluster) comes
 * from {@code TANDEM_PEER_SECRET} or {@code --peer-secret-file}; console users from {@code
 * TANDEM_*_PASSWORD}/{@code TANDEM_API_TOKEN}. Beyond loopback the server must serve HTTPS.
 */
@Command(
    name = "agent",
    description = "Run the agent of one site: sensors, decision loop, runbooks, API.")
public final class AgentCommand implements Callable<Integer> {

  @Option(names = "--config", required = true, description = "The cluster YAML file.")
  Path config;

  @Option(names = "--site", required = true, description = "This agent's site name.")
  String site;

  @Option(names = "--data-dir", defaultValue = "/var/lib/tandem", description = "Journal, reports.")
  Path dataDir;

  @Option(
      names = "--bind",
      description = "Listen address (default: the host of this site's managementAddress).")
  String bind;

  @Option(
      names = "--port",
      description = "Listen port (default: the port of this site's managementAddress).")
  Integer port;

  @Option(names = "--peer-secret-file", description = "File holding the cluster's peer secret.")
  Path peerSecretFile;

  @Option(
      names = "--tls-keystore",
      defaultValue = "${env:TANDEM_TLS_KEYSTORE}",
      description =
          "PKCS#12 keystore for HTTPS (env TANDEM_TLS_KEYSTORE); password in env"
              + " TANDEM_KEYSTORE_PASSWORD.")
  Path keystore;

  @Option(
      names = "--tls-truststore",
      defaultValue = "${env:TANDEM_TLS_TRUSTSTORE}",
      description =
          "PKCS#12 truststore for the witness and peers; password in env"
              + " TANDEM_TRUSTSTORE_PASSWORD (default: the JDK's CAs).")
  Path truststore;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Started agent = start(System.getenv(), Providers.sdk(), UnaryOperator.identity());
    Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "tandem-agent-shutdown"));
    System.out.println(
        "tandem agent: site '"
            + site
            + "' of cluster '"
            + agent.agent().settings().cluster()
            + "' serving on "
            + bind
            + ":"
            + agent.port());
    return ExitCodes.RUNNING;
  }

  /**
   * A started agent: its assembly (sensors and decision loop running) and its server. Closing stops
   * the agent first, then the server.
   */
  public record Started(AgentAssembly agent, ConfigurableApplicationContext server)
      implements AutoCloseable {

    /** The port the server listens on. */
    public int port() {
      return Integer.parseInt(server.getEnvironment().getProperty("local.server.port"));
    }

    @Override
    public void close() {
      agent.close();
      server.close();
    }
  }

  /**
   * Everything {@link #call} does, with the process's surroundings passed in, so that {@code tandem
   * lab} starts its sites through this very code path in one JVM: validates the configuration,
   * assembles the agent, serves its API, console and peer link, and starts it.
   *
   * @param env the environment ({@code TANDEM_PEER_SECRET}, console users, keystore passwords)
   * @param providers the provider seam ({@link Providers#sdk()} in production)
   * @param network wraps the agent's HTTP client for the witness and the peer link (identity in
   *     production; the lab's simulated management network)
   * @param serverArgs extra Spring arguments (they win over {@code application.properties})
   * @throws CliException with {@link ExitCodes#INVALID} when the input is wrong; nothing started
   */
  public Started start(
      Map<String, String> env,
      Providers providers,
      UnaryOperator<HttpClient> network,
      String... serverArgs) {
    java.io.PrintWriter err =
        spec != null ? spec.commandLine().getErr() : new java.io.PrintWriter(System.err, true);
    Path base = config.toAbsolutePath().getParent();
    SecretResolver secrets = SecretResolver.system(base);
    ConfigValidation.Result checked =
        new ConfigValidation().validate(config, Optional.of(secrets), Optional.of(site));
    if (!checked.valid()) {
      checked.problems().stream().map(ConfigProblem::format).forEach(err::println);
      err.flush();
      throw new CliException(
          config + ": invalid (" + checked.problems().size() + " problems); nothing started",
          ExitCodes.INVALID);
    }
    if (!checked.warnings().isEmpty()) {
      // a sensor the catalog cannot build would stop the assembly; say where it is written
      checked.warnings().stream().map(ConfigProblem::format).forEach(err::println);
      err.flush();
      throw new CliException(
          config + ": " + checked.warnings().size() + " sensors cannot be built; nothing started",
          ExitCodes.INVALID);
    }
    ClusterConfig cluster = checked.config().orElseThrow();
    requireCredentials(env, serverArgs);
    boolean tls = keystore != null;
    String managementHost = managementAddress(cluster);
    if (bind == null) {
      bind =
          managementHost.substring(0, managementHost.lastIndexOf(':')).replaceAll("[\\[\\]]", "");
    }
    if (!tls && !"127.0.0.1".equals(bind) && !"::1".equals(bind)) {
      throw new CliException(
          "--tls-keystore: the agent listens on " + bind + " beyond loopback; serve HTTPS",
          ExitCodes.INVALID);
    }
    int listen = port != null ? port : managementPort(cluster);
    AgentAssembly agent;
    try {
      agent =
          AgentAssembly.assemble(
              cluster,
              site,
              new AgentAssembly.Options(
                  dataDir,
                  secrets,
                  peerSecret(env),
                  tls ? "https" : "http",
                  network.apply(httpClient(env)),
                  Clock.systemUTC(),
                  System::nanoTime,
                  providers));
    } catch (ConfigException e) {
      throw new CliException(e.getMessage(), ExitCodes.INVALID);
    }
    ConfigurableApplicationContext server;
    try {
      Map<String, Object> props = new HashMap<>(ServerProperties.users(dataDir, env));
      props.put("server.address", bind);
      props.put("server.port", String.valueOf(listen));
      if (tls) {
        props.put("server.ssl.enabled", "true");
        props.put("server.ssl.key-store", keystore.toAbsolutePath().toString());
        props.put("server.ssl.key-store-type", "PKCS12");
        props.put(
            "server.ssl.key-store-password",
            WitnessCommand.requireEnv(env, "TANDEM_KEYSTORE_PASSWORD"));
      }
      server =
          TandemServer.start(
              props,
              Map.of(
                  "clusterRuntime", agent.runtime(),
                  "agentDriver", agent.driver(),
                  "peerAuthentication", agent.peerAuthentication(),
                  "syncAgent", agent.sync()),
              serverArgs);
    } catch (RuntimeException e) {
      agent.close();
      throw e;
    }
    agent.auditTo(server.getBean(io.tandem.app.audit.AuditLog.class));
    agent.start();
    return new Started(agent, server);
  }

  /**
   * The console and API refuse to run without users: say so in one line before anything starts (the
   * server's own refusal came as a 50-line Spring stack trace, issue 18.8).
   */
  private void requireCredentials(Map<String, String> env, String... serverArgs) {
    boolean fromEnv =
        ServerProperties.users(dataDir, env).keySet().stream()
            .anyMatch(k -> k.startsWith("tandem.security."));
    boolean fromArgs =
        java.util.Arrays.stream(serverArgs)
            .anyMatch(
                a ->
                    a.startsWith("--tandem.security.users")
                        || a.startsWith("--tandem.security.tokens"));
    if (!fromEnv && !fromArgs) {
      throw new CliException(
          "no console/API users: set TANDEM_ADMIN_PASSWORD (and TANDEM_OPERATOR_PASSWORD,"
              + " TANDEM_VIEWER_PASSWORD or TANDEM_API_TOKEN as needed) in the agent's environment"
              + " (/etc/tandem/agent.env); nothing started",
          ExitCodes.INVALID);
    }
  }

  private String managementAddress(ClusterConfig cluster) {
    String address =
        cluster.sites().stream()
            .filter(s -> s.name().equals(site))
            .findFirst()
            .orElseThrow(
                () ->
                    new CliException(
                        "--site: expected one of "
                            + cluster.sites().stream().map(s -> s.name()).toList()
                            + ", found '"
                            + site
                            + "'",
                        ExitCodes.INVALID))
            .managementAddress();
    if (address.lastIndexOf(':') < 0) {
      throw new CliException(
          "sites." + site + ".managementAddress: expected host:port, found " + address,
          ExitCodes.INVALID);
    }
    return address;
  }

  private int managementPort(ClusterConfig cluster) {
    String address = managementAddress(cluster);
    int colon = address.lastIndexOf(':');
    try {
      return Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      throw new CliException(
          "--port: the managementAddress of " + site + " has no port; give --port",
          ExitCodes.INVALID);
    }
  }

  private byte[] peerSecret(Map<String, String> env) {
    String v = env.get("TANDEM_PEER_SECRET");
    if ((v == null || v.isBlank()) && peerSecretFile != null) {
      try {
        v = Files.readString(peerSecretFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new CliException(
            "--peer-secret-file: " + peerSecretFile + " cannot be read", ExitCodes.INVALID);
      }
    }
    if (v == null || v.length() < 32) {
      throw new CliException(
          "peer secret: set TANDEM_PEER_SECRET or --peer-secret-file to the cluster's shared"
              + " secret (at least 32 characters, the same on every agent)",
          ExitCodes.INVALID);
    }
    return v.getBytes(StandardCharsets.UTF_8);
  }

  private HttpClient httpClient(Map<String, String> env) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
    if (truststore != null) {
      try (InputStream in = Files.newInputStream(truststore)) {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(in, WitnessCommand.requireEnv(env, "TANDEM_TRUSTSTORE_PASSWORD").toCharArray());
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        b.sslContext(ssl);
      } catch (IOException | GeneralSecurityException e) {
        throw new CliException(
            "--tls-truststore: "
                + truststore
                + " cannot be loaded ("
                + e.getClass().getSimpleName()
                + ")",
            ExitCodes.INVALID);
      }
    }
    return b.build();
  }
}
