package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import io.tandem.app.server.TandemServer;
import io.tandem.app.witness.WitnessBackend;
import io.tandem.app.witness.WitnessRuntime;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.FileWitnessStateStore;
import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.WitnessSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem witness}: the built-in witness server. State (the epoch per cluster) lives in
 * {@code --data-dir}, persisted before every grant. Each site authenticates with its own secret,
 * read from {@code TANDEM_WITNESS_SECRET_<SITE>} or from {@code --secrets-dir/<site>}. HTTPS with a
 * PKCS#12 keystore, optionally mutual TLS.
 */
@Command(
    name = "witness",
    description =
        "Run the built-in witness server (--cluster and --site are required to serve);"
            + " 'witness init' creates the DynamoDB witness table instead.",
    subcommands = WitnessInitCommand.class)
public final class WitnessCommand implements Callable<Integer> {

  // --cluster and --site are checked in call(), not by picocli: picocli would demand them of
  // 'tandem witness init' too, which has nothing to serve.
  @Option(names = "--cluster", description = "Cluster name (required to serve).")
  String cluster;

  @Option(
      names = "--site",
      split = ",",
      description =
          "Sites that may ask for the ticket (repeat or comma-separate; required to serve).")
  List<String> sites;

  @Option(names = "--data-dir", defaultValue = "/var/lib/tandem-witness", description = "State.")
  Path dataDir;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Listen address.")
  String bind;

  @Option(names = "--port", defaultValue = "8443", description = "Listen port.")
  int port;

  @Option(names = "--grace", defaultValue = "2s", description = "Grace after expiry.")
  String grace;

  @Option(names = "--max-ttl", defaultValue = "60s", description = "Longest lease granted.")
  String maxTtl;

  @Option(names = "--secrets-dir", description = "Directory with one secret file per site.")
  Path secretsDir;

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

  @Override
  public Integer call() {
    serve(System.getenv());
    System.out.println(
        "tandem witness: serving cluster '"
            + cluster
            + "' for "
            + sites
            + " on "
            + bind
            + ":"
            + port);
    return ExitCodes.RUNNING;
  }

  /**
   * Everything {@link #call} does, with the environment passed in, so that {@code tandem lab} runs
   * this very witness server in its JVM: checks the options, reads the sites' secrets, starts the
   * server and returns it (closing it stops the witness).
   *
   * @param env the environment (site secrets, console users, keystore passwords)
   * @param serverArgs extra Spring arguments (they win over {@code application.properties})
   * @throws CliException with {@link ExitCodes#INVALID} when the input is wrong; nothing started
   */
  public ConfigurableApplicationContext serve(Map<String, String> env, String... serverArgs) {
    if (cluster == null || cluster.isBlank()) {
      throw new CliException("Missing required option: '--cluster=<cluster>'", ExitCodes.INVALID);
    }
    if (sites == null || sites.isEmpty()) {
      throw new CliException("Missing required option: '--site=<sites>'", ExitCodes.INVALID);
    }
    Map<String, byte[]> secrets = new LinkedHashMap<>();
    for (String site : sites) {
      secrets.put(site, secretOf(site, env));
    }
    WitnessSettings settings =
        WitnessSettings.builder()
            .grace(DurationArg.parse("--grace", grace))
            .maxTtl(DurationArg.parse("--max-ttl", maxTtl))
            .build();
    var auth = SharedSecretAuthenticator.of(secrets);
    var witness =
        new BuiltInWitness(
            settings,
            Clock.systemUTC(),
            System::nanoTime,
            new FileWitnessStateStore(dataDir.resolve("state")),
            auth);
    Map<String, Object> props = new HashMap<>(ServerProperties.users(dataDir, env));
    props.put("server.address", bind);
    props.put("server.port", String.valueOf(port));
    if (keystore != null) {
      props.put("server.ssl.enabled", "true");
      props.put("server.ssl.key-store", keystore.toAbsolutePath().toString());
      props.put("server.ssl.key-store-type", "PKCS12");
      props.put(
          "server.ssl.key-store-password", requireEnv(env, "TANDEM_WITNESS_KEYSTORE_PASSWORD"));
      props.put("server.ssl.client-auth", clientAuth);
      if (truststore != null) {
        props.put("server.ssl.trust-store", truststore.toAbsolutePath().toString());
        props.put("server.ssl.trust-store-type", "PKCS12");
        props.put(
            "server.ssl.trust-store-password",
            requireEnv(env, "TANDEM_WITNESS_TRUSTSTORE_PASSWORD"));
      }
    } else if (!"127.0.0.1".equals(bind) && !"::1".equals(bind)) {
      throw new CliException(
          "--tls-keystore: the witness listens on " + bind + " beyond loopback; serve HTTPS",
          ExitCodes.INVALID);
    }
    return TandemServer.start(
        props,
        Map.of(
            "witnessBackend", new WitnessBackend(witness, auth),
            "clusterRuntime", new WitnessRuntime(witness, cluster, sites)),
        serverArgs);
  }

  private byte[] secretOf(String site, Map<String, String> environment) {
    String env =
        "TANDEM_WITNESS_SECRET_" + site.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    String v = environment.get(env);
    if ((v == null || v.isBlank()) && secretsDir != null) {
      try {
        v = Files.readString(secretsDir.resolve(site), StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        v = null;
      }
    }
    if (v == null || v.length() < 16) {
      throw new CliException(
          "site '"
              + site
              + "': no secret (at least 16 characters) in env "
              + env
              + (secretsDir == null ? "" : " or file " + secretsDir.resolve(site)),
          ExitCodes.INVALID);
    }
    return v.getBytes(StandardCharsets.UTF_8);
  }

  static String requireEnv(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isEmpty()) {
      throw new CliException("environment variable " + name + " is not set", ExitCodes.INVALID);
    }
    return v;
  }
}
