package io.tandem.testkit.internal;

import io.tandem.sim.peer.AwsEmulatorPeer;
import io.tandem.sim.peer.AwsEmulatorPeer.Engine;
import io.tandem.sim.peer.internal.FrontedAwsEmulator;
import io.tandem.sim.peer.internal.HostPeerLauncher;
import io.tandem.sim.peer.internal.MotoEmulator;
import io.tandem.sim.peer.internal.PeerBinaries;
import io.tandem.sim.peer.internal.RunningAwsEmulator;
import io.tandem.testkit.AwsEmulator;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the {@code @AwsEmulator}; see {@link AwsEmulator}. One emulator serves the whole JVM run
 * (moto needs ~1 s to import its services); each test class gets it freshly reset.
 *
 * <p>The engine is chosen by, in order: the JUnit configuration parameter or system property
 * {@value #ENGINE_PARAM}, the environment variable {@code TANDEM_AWS_EMULATOR} ({@code moto} or
 * {@code localstack}), else LocalStack through Testcontainers when a Docker engine answers and
 * moto's standalone server otherwise (also when an automatically chosen LocalStack fails to start).
 */
public final class AwsEmulatorExtension extends PeerExtension<AwsEmulatorPeer, AwsEmulator> {

  /** Forces the engine: {@code moto} or {@code localstack}. */
  public static final String ENGINE_PARAM = "tandem.testkit.awsEmulator";

  private static final Namespace SHARED = Namespace.create(AwsEmulatorExtension.class);
  private static final Logger LOG = LoggerFactory.getLogger(AwsEmulatorExtension.class);

  public AwsEmulatorExtension() {
    super(AwsEmulatorPeer.class, AwsEmulator.class);
  }

  @Override
  PeerHandle<AwsEmulatorPeer> start(
      AwsEmulator settings, ExtensionContext context, PeerBinaries binaries) {
    Optional<Engine> forced = forcedEngine(context);
    Engine engine =
        forced.orElseGet(
            () -> LocalStackEmulator.dockerAvailable() ? Engine.LOCALSTACK : Engine.MOTO);
    RunningAwsEmulator shared =
        context
            .getRoot()
            .getStore(SHARED)
            .computeIfAbsent(
                SHARED,
                key -> new FrontedAwsEmulator(startEngine(engine, forced.isPresent(), binaries)),
                RunningAwsEmulator.class);
    shared.reset();
    return new ClassView(shared);
  }

  private static RunningAwsEmulator startEngine(
      Engine engine, boolean forced, PeerBinaries binaries) {
    if (engine == Engine.LOCALSTACK) {
      try {
        return LocalStackEmulator.start();
      } catch (RuntimeException e) {
        if (forced) {
          throw e;
        }
        // Chosen only because Docker answered: an image that will not start (no network, an
        // auth token required) must not fail the build where moto works.
        LOG.warn("LocalStack did not start ({}); using moto instead", e.toString());
      }
    }
    return startWithRetry(
        () ->
            MotoEmulator.start(
                binaries.projectLocal(
                    HostPeerLauncher.MOTO_BINARY, HostPeerLauncher.MOTO_INSTALL)));
  }

  private static Optional<Engine> forcedEngine(ExtensionContext context) {
    Optional<String> forced =
        context
            .getConfigurationParameter(ENGINE_PARAM)
            .or(() -> Optional.ofNullable(System.getenv("TANDEM_AWS_EMULATOR")))
            .filter(s -> !s.isBlank());
    return forced.map(
        value ->
            switch (value.trim().toLowerCase(Locale.ROOT)) {
              case "moto" -> Engine.MOTO;
              case "localstack" -> Engine.LOCALSTACK;
              default ->
                  throw new IllegalArgumentException(
                      "TANDEM_AWS_EMULATOR / "
                          + ENGINE_PARAM
                          + " is moto or localstack, not "
                          + value);
            });
  }

  /** The emulator as one test class sees it: closing it leaves the shared process running. */
  private record ClassView(RunningAwsEmulator shared) implements PeerHandle<AwsEmulatorPeer> {
    @Override
    public AwsEmulatorPeer peer() {
      return shared;
    }

    @Override
    public String logTail() {
      return shared.logTail();
    }

    @Override
    public void close() {
      // The shared emulator is closed with the root context at the end of the run.
    }
  }
}
