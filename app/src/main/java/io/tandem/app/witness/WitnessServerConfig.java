package io.tandem.app.witness;

import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.WitnessCluster;
import io.tandem.core.witness.WitnessSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code tandem witness} serves, read from cluster files ({@link WitnessConfigFiles}): where
 * it listens, where it keeps its state, and each cluster with its sites' credentials, timings and
 * the probe targets its sites configured. Secrets are held as bytes, never printed.
 *
 * @param listen {@code host:port} from {@code witness.listen}, when a file sets it
 * @param dataDir from {@code witness.dataDir}, when a file sets it
 * @param clusters every cluster to serve, names unique
 */
public record WitnessServerConfig(
    Optional<String> listen, Optional<Path> dataDir, List<Cluster> clusters) {

  /**
   * The built-in witness's shortest lease: a cluster asking for less is refused at start. The same
   * floor as the agents' validation ({@code Timings.MIN_TICKET_TTL}, 500 ms: ADR 0007's fast
   * profile).
   */
  public static final Duration MIN_TTL = io.tandem.core.config.Timings.MIN_TICKET_TTL;

  public WitnessServerConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(dataDir, "dataDir");
    clusters = List.copyOf(clusters);
  }

  /**
   * One served cluster.
   *
   * @param name the cluster name
   * @param file the cluster file it came from (messages)
   * @param secrets each site's secret (at least 16 bytes)
   * @param ticketTtl {@code timings.ticketTtl}: the longest lease granted (longer asks are cut)
   * @param grace {@code timings.witnessGrace}
   * @param probes per site, the SIP targets its {@code sip-options-external} sensors name: the only
   *     targets the witness probes for it
   */
  public record Cluster(
      String name,
      Path file,
      Map<String, byte[]> secrets,
      Duration ticketTtl,
      Duration grace,
      Map<String, Set<ProbeTarget>> probes) {

    public Cluster {
      Objects.requireNonNull(name, "name");
      secrets = Map.copyOf(secrets);
      probes = Map.copyOf(probes);
    }

    /** The core's view: lease limits from the timings, an authenticator of exactly these sites. */
    public WitnessCluster toWitnessCluster() {
      return new WitnessCluster(
          name,
          WitnessSettings.builder().grace(grace).minTtl(MIN_TTL).maxTtl(ticketTtl).build(),
          SharedSecretAuthenticator.of(secrets));
    }

    @Override
    public String toString() {
      return "Cluster[" + name + " from " + file + ", sites " + secrets.keySet() + "]";
    }
  }

  /**
   * A probe target as configured: {@code host:port} and transport, compared exactly.
   *
   * @param hostPort as written in the sensor's {@code target} parameter
   * @param transport {@code udp} (default) or {@code tcp}
   */
  public record ProbeTarget(String hostPort, String transport) {}
}
