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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Past capacity the witness's datagram listener keeps the holders' renewals going before the
 * standbys' ticket reads (docs/witness-protocol.md, "Datagrams", Load): a backlog of reads queued
 * in the socket ahead of renewals does not delay the renewals behind all of them, and reads beyond
 * the listener's queue are dropped oldest first, counted, not answered late.
 */
class WitnessDatagramOverloadTest {

  static final Duration TTL = Duration.ofSeconds(2);
  static final String HOLDER = "secret-of-holder-0123456789";
  static final String STANDBY = "secret-of-standby-0123456789";

  @Test
  void renewalsBehindABacklogOfReadsAreAnsweredBeforeMostOfThem() throws Exception {
    int clusters = 20;
    List<WitnessCluster> served = new ArrayList<>();
    List<WitnessServerConfig.Cluster> config = new ArrayList<>();
    WitnessSettings settings =
        WitnessSettings.builder().grace(Duration.ofMillis(300)).maxTtl(TTL).build();
    for (int i = 0; i < clusters; i++) {
      Map<String, byte[]> secrets =
          Map.of(
              "a", HOLDER.getBytes(StandardCharsets.UTF_8),
              "b", STANDBY.getBytes(StandardCharsets.UTF_8));
      served.add(new WitnessCluster(c(i), settings, SharedSecretAuthenticator.of(secrets)));
      config.add(
          new WitnessServerConfig.Cluster(
              c(i), null, secrets, TTL, Duration.ofMillis(300), Map.of()));
    }
    BuiltInWitness witness =
        new BuiltInWitness(
            WitnessClusters.of(served),
            Clock.systemUTC(),
            System::nanoTime,
            new InMemoryWitnessStateStore());
    long[] epochs = new long[clusters];
    for (int i = 0; i < clusters; i++) {
      epochs[i] =
          witness
              .acquire(
                  TicketRequest.acquire(c(i), "a", true, TTL),
                  SiteCredential.of(HOLDER.getBytes(StandardCharsets.UTF_8)))
              .ticket()
              .epoch();
    }
    WitnessDatagramServer udp =
        WitnessDatagramServer.bind(
            new InetSocketAddress("127.0.0.1", 0), witness, config, Clock.systemUTC());
    try (DatagramChannel agents = DatagramChannel.open()) {
      agents.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
      agents.connect(udp.address());
      long nonce = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
      // 300 reads (15 per standby) reach the socket first, then one renewal per holder (all in
      // the listener's receive buffer, about 600 such datagrams)
      int readsSent = 300;
      for (int k = 0; k < readsSent / clusters; k++) {
        for (int i = 0; i < clusters; i++) {
          SecretKeySpec key = WitnessDatagram.key(STANDBY.getBytes(), c(i), "b");
          agents.write(ByteBuffer.wrap(WitnessDatagram.read(key, ++nonce, c(i), "b")));
        }
      }
      for (int i = 0; i < clusters; i++) {
        SecretKeySpec key = WitnessDatagram.key(HOLDER.getBytes(), c(i), "a");
        agents.write(
            ByteBuffer.wrap(
                WitnessDatagram.renew(key, ++nonce, c(i), "a", epochs[i], TTL.toMillis(), true)));
      }
      udp.startReceiving();

      List<Byte> kinds = new ArrayList<>();
      agents.socket().setSoTimeout(2_000);
      byte[] in = new byte[2048];
      for (int n = 0; n < readsSent + clusters; n++) {
        java.net.DatagramPacket p = new java.net.DatagramPacket(in, in.length);
        try {
          agents.socket().receive(p);
        } catch (java.net.SocketTimeoutException e) {
          break; // every answer came (reads beyond the queue are dropped, not answered)
        }
        kinds.add((byte) (in[3] & 0x7f));
      }
      List<Integer> renewalsAt = new ArrayList<>();
      for (int n = 0; n < kinds.size(); n++) {
        if (kinds.get(n) == WitnessDatagram.KIND_RENEW) {
          renewalsAt.add(n);
        }
      }
      assertThat(renewalsAt).as("every renewal answered").hasSize(clusters);
      // FIFO would answer them after all 300 reads (positions 300-319); a round of 64 datagrams
      // lets at most 16 queued reads through while a backlog waits: 4 rounds, 64 reads at most
      assertThat(renewalsAt.getLast())
          .as("position of the last renewal's answer among %d answers", kinds.size())
          .isLessThan(6 * WitnessDatagramServer.READS_PER_BACKLOGGED_ROUND + clusters);
      assertThat(kinds.size() - clusters + udp.shed())
          .as("every read answered or counted as shed")
          .isEqualTo(readsSent);
    } finally {
      udp.close();
    }
  }

  static String c(int i) {
    return "c" + i;
  }
}
