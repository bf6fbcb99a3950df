package io.tandem.app.cli;

import io.tandem.app.ExitCodes;
import io.tandem.app.agent.ConfigValidation;
import io.tandem.app.agent.Providers;
import io.tandem.app.guard.FenceGuard;
import io.tandem.app.guard.FenceGuardClient;
import io.tandem.core.config.ClusterConfig;
import io.tandem.core.config.ConfigProblem;
import io.tandem.core.config.SecretResolver;
import io.tandem.core.config.SiteConfig;
import io.tandem.core.config.Timings;
import io.tandem.core.error.ConfigException;
import io.tandem.core.port.PbxControl;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem fence-guard --config cluster.yaml --site <name>}: the watchdog beside the PBX,
 * outside the agent's JVM (see {@code docs/adr/0004-fence-guard.md}). It listens on {@code
 * <data-dir>/fence-guard.sock}, where the agent of the same site sends its deadline every tick, and
 * stops the local PBX taking calls when that deadline passes without a fresh beat. Until an agent
 * speaks it covers an unknown PBX for the start-up hold, then fences it.
 */
@Command(
    name = "fence-guard",
    description =
        "Run the fence guard of one site: stops the local PBX taking calls when its agent stops"
            + " ticking.")
public final class FenceGuardCommand implements Callable<Integer> {

  @Option(names = "--config", required = true, description = "The cluster YAML file.")
  Path config;

  @Option(names = "--site", required = true, description = "The site whose PBX this guards.")
  String site;

  @Option(
      names = "--data-dir",
      defaultValue = "/var/lib/tandem",
      description = "The agent's data directory (the guard's socket lives there).")
  Path dataDir;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    java.io.PrintWriter err = spec.commandLine().getErr();
    SecretResolver secrets = SecretResolver.system(config.toAbsolutePath().getParent());
    ConfigValidation.Result checked =
        new ConfigValidation().validate(config, Optional.of(secrets), Optional.of(site));
    if (!checked.valid()) {
      checked.problems().stream().map(ConfigProblem::format).forEach(err::println);
      err.flush();
      throw new CliException(
          config + ": invalid (" + checked.problems().size() + " problems); nothing started",
          ExitCodes.INVALID);
    }
    ClusterConfig cluster = checked.config().orElseThrow();
    SiteConfig local =
        cluster.sites().stream()
            .filter(s -> s.name().equals(site))
            .findFirst()
            .orElseThrow(
                () -> new CliException("--site: no site named '" + site + "'", ExitCodes.INVALID));
    Timings t = cluster.timings();
    PbxControl pbx;
    Providers.Adapters adapters;
    try {
      adapters =
          Providers.sdk()
              .open(
                  new Providers.Context(
                      cluster,
                      site,
                      secrets,
                      HttpClient.newHttpClient(),
                      Clock.systemUTC(),
                      System::nanoTime,
                      dataDir,
                      () -> {
                        throw new IllegalStateException("the fence guard uses no SIP endpoint");
                      },
                      token -> false));
      pbx = adapters.pbx(local);
    } catch (ConfigException e) {
      throw new CliException(e.getMessage(), ExitCodes.INVALID);
    }
    Path socket = dataDir.resolve(FenceGuardClient.SOCKET);
    FenceGuard guard =
        new FenceGuard(
            socket, pbx, t.startupHold(), t.fenceLead().plus(t.witnessGrace()), System::nanoTime);
    guard.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  guard.close();
                  try {
                    adapters.close();
                  } catch (Exception e) {
                    // stopping anyway
                  }
                },
                "tandem-fence-guard-shutdown"));
    System.out.println("tandem fence-guard: guarding the PBX of site '" + site + "' on " + socket);
    System.out.flush();
    try {
      guard.awaitClosed(); // the guard's threads are daemons; SIGTERM's shutdown hook ends this
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ExitCodes.RUNNING;
  }
}
