package io.tandem.app.witness;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.InMemoryWitnessStateStore;
import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.SiteCredential;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.WitnessCluster;
import io.tandem.core.witness.WitnessClusters;
import io.tandem.core.witness.WitnessSettings;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The datagram listener finds a site's cluster once, at the site's first datagram, and keeps it: at
 * 10,000 clusters the per-datagram lookups of the cluster (by name) and of its state were a fifth
 * of the listener thread's samples (JFR, {@code scripts/bench-witness}, session 6), and a renewal
 * every 300 ms per holder needs none of them after the first.
 */
class WitnessDatagramLookupTest {

  static final Duration TTL = Duration.ofSeconds(2);
  static final String HOLDER = "secret-of-holder-0123456789";
  static final String STANDBY = "secret-of-standby-0123456789";

  @Test
  void aSitesClusterIsLookedUpOnceNotPerDatagram() throws Exception {
    Map<String, byte[]> secrets =
        Map.of(
            "a", HOLDER.getBytes(StandardCharsets.UTF_8),
            "b", STANDBY.getBytes(StandardCharsets.UTF_8));
    WitnessSettings settings =
        WitnessSettings.builder().grace(Duration.ofMillis(300)).maxTtl(TTL).build();
    WitnessClusters served =
        WitnessClusters.of(
            List.of(new WitnessCluster("c1", settings, SharedSecretAuthenticator.of(secrets))));
    AtomicInteger finds = new AtomicInteger();
    WitnessClusters counting =
        new WitnessClusters() {
          @Override
          public Optional<WitnessCluster> find(String name) {
            finds.incrementAndGet();
            return served.find(name);
          }

          @Override
          public List<WitnessCluster> configured() {
            return served.configured();
          }
        };
    BuiltInWitness witness =
        new BuiltInWitness(
            counting, Clock.systemUTC(), System::nanoTime, new InMemoryWitnessStateStore());
    long epoch =
        witness
            .acquire(
                TicketRequest.acquire("c1", "a", true, TTL), SiteCredential.of(secrets.get("a")))
            .ticket()
            .epoch();
    WitnessServerConfig.Cluster config =
        new WitnessServerConfig.Cluster("c1", null, secrets, TTL, Duration.ofMillis(300), Map.of());
    int each = 50;
    try (WitnessDatagramServer udp =
            WitnessDatagramServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                witness,
                List.of(config),
                Clock.systemUTC());
        DatagramChannel agent = DatagramChannel.open()) {
      agent.connect(udp.address());
      agent.socket().setSoTimeout(5_000);
      SecretKeySpec a = WitnessDatagram.key(secrets.get("a"), "c1", "a");
      SecretKeySpec b = WitnessDatagram.key(secrets.get("b"), "c1", "b");
      long nonce = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
      int before = finds.get();
      byte[] in = new byte[2048];
      for (int i = 0; i < each; i++) {
        // one at a time, each answered before the next: every one goes the common path
        agent.write(
            ByteBuffer.wrap(WitnessDatagram.renew(a, ++nonce, "c1", "a", epoch, 2000, true)));
        java.net.DatagramPacket renewed = new java.net.DatagramPacket(in, in.length);
        agent.socket().receive(renewed);
        assertThat(WitnessDatagram.openAnswer(in, renewed.getLength(), a))
            .hasValueSatisfying(r -> assertThat(r.result().granted()).isTrue());
        agent.write(ByteBuffer.wrap(WitnessDatagram.read(b, ++nonce, "c1", "b")));
        java.net.DatagramPacket read = new java.net.DatagramPacket(in, in.length);
        agent.socket().receive(read);
        assertThat(WitnessDatagram.openAnswer(in, read.getLength(), b))
            .hasValueSatisfying(r -> assertThat(r.result().ticket().holder()).isEqualTo("a"));
      }
      assertThat(udp.answered()).isEqualTo(2L * each);
      assertThat(finds.get() - before)
          .as("cluster lookups for %d renewals and %d reads from its two sites", each, each)
          .isLessThanOrEqualTo(2);
    }
  }
}
