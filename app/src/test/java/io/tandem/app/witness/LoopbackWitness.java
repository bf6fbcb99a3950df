package io.tandem.app.witness;

import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.InMemoryWitnessStateStore;
import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.WitnessCluster;
import io.tandem.core.witness.WitnessClusters;
import io.tandem.core.witness.WitnessSettings;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * For tests that need a witness server on loopback: the production listener ({@link
 * WitnessHttpServer}) serving one cluster to its sites, with an in-memory state store. Close it to
 * stop it.
 */
public final class LoopbackWitness {

  private LoopbackWitness() {}

  /**
   * @param cluster the cluster served
   * @param siteSecrets each site's secret (at least 16 characters)
   * @param grace the cluster's witness grace
   */
  public static WitnessHttpServer start(
      String cluster, Map<String, String> siteSecrets, Duration grace) {
    Map<String, byte[]> secrets = new HashMap<>();
    siteSecrets.forEach((k, v) -> secrets.put(k, v.getBytes(StandardCharsets.UTF_8)));
    var witness =
        new BuiltInWitness(
            WitnessClusters.of(
                List.of(
                    new WitnessCluster(
                        cluster,
                        WitnessSettings.builder()
                            .grace(grace)
                            .maxTtl(Duration.ofSeconds(60))
                            .build(),
                        SharedSecretAuthenticator.of(secrets)))),
            Clock.systemUTC(),
            System::nanoTime,
            new InMemoryWitnessStateStore());
    return WitnessHttpServer.start(
        new InetSocketAddress("127.0.0.1", 0), Optional.empty(), witness, Map.of());
  }
}
