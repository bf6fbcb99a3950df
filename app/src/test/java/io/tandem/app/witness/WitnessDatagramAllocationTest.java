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
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
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
import javax.crypto.spec.SecretKeySpec;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * What the datagram listener allocates per answered renewal and per answered ticket read, measured
 * on its own thread ({@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}) around
 * requests sent through a real socket, one at a time. At 10,000 clusters (53,000 datagrams/s) every
 * byte per request is about 50 KB/s of garbage; the witness's young collections (SerialGC, a
 * stop-the-world pause each) were the likeliest cause of its 16 ms renewal p99 (JFR, session 6:
 * about one a second, 5.8 to 11 ms each, {@code byte[]} first in the allocation samples).
 *
 * <p>The bound holds without the JIT's escape analysis (the counts are of what the code allocates,
 * not of what C2 may remove), so it does not depend on how warm the listener is; the allowance
 * covers the selector's and the socket's own per-wake-up objects. Both sites send from one socket:
 * the JDK's {@code DatagramChannel} keeps the last sender's address, so a listener answering many
 * agents also allocates one {@code InetSocketAddress} per datagram from a new sender (the socket
 * layer's, not counted against this bound). Measured on main before the change: 808 bytes per
 * renewal and 736 per read; after: 36-48.
 */
class WitnessDatagramAllocationTest {

  static final Duration TTL = Duration.ofSeconds(2);
  static final String HOLDER = "secret-of-holder-0123456789";
  static final String STANDBY = "secret-of-standby-0123456789";

  /** Bytes the listener may allocate per answered renewal or read (see the class comment). */
  static final long BOUND_PER_REQUEST = 64;

  static final int WARM = 500;
  static final int MEASURED = 1_000;

  @Test
  void aRenewalAndAReadAllocateAlmostNothingOnTheListenerThread() throws Exception {
    Map<String, byte[]> secrets =
        Map.of(
            "a", HOLDER.getBytes(StandardCharsets.UTF_8),
            "b", STANDBY.getBytes(StandardCharsets.UTF_8));
    WitnessSettings settings =
        WitnessSettings.builder().grace(Duration.ofMillis(300)).maxTtl(TTL).build();
    BuiltInWitness witness =
        new BuiltInWitness(
            WitnessClusters.of(
                List.of(new WitnessCluster("c1", settings, SharedSecretAuthenticator.of(secrets)))),
            Clock.systemUTC(),
            System::nanoTime,
            new InMemoryWitnessStateStore());
    long epoch =
        witness
            .acquire(
                TicketRequest.acquire("c1", "a", true, TTL), SiteCredential.of(secrets.get("a")))
            .ticket()
            .epoch();
    WitnessServerConfig.Cluster config =
        new WitnessServerConfig.Cluster("c1", null, secrets, TTL, Duration.ofMillis(300), Map.of());
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (WitnessDatagramServer udp =
            WitnessDatagramServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                witness,
                List.of(config),
                Clock.systemUTC());
        DatagramChannel agent = DatagramChannel.open()) {
      agent.connect(udp.address());
      agent.socket().setSoTimeout(5_000);
      Agent a =
          new Agent(agent, WitnessDatagram.key(secrets.get("a"), "c1", "a"), "a", epoch, true);
      Agent b = new Agent(agent, WitnessDatagram.key(secrets.get("b"), "c1", "b"), "b", 0, false);
      for (int i = 0; i < WARM; i++) {
        a.ask();
        b.ask();
      }
      long listener = udp.receiverThreadId();
      long before = threads.getThreadAllocatedBytes(listener);
      for (int i = 0; i < MEASURED; i++) {
        a.ask();
      }
      long renewals = threads.getThreadAllocatedBytes(listener) - before;
      before = threads.getThreadAllocatedBytes(listener);
      for (int i = 0; i < MEASURED; i++) {
        b.ask();
      }
      long reads = threads.getThreadAllocatedBytes(listener) - before;
      assertThat(udp.answered()).isEqualTo(2L * (WARM + MEASURED));
      SoftAssertions soft = new SoftAssertions();
      soft.assertThat(renewals / MEASURED)
          .as("bytes allocated by the listener per renewal (%d in all)", renewals)
          .isLessThanOrEqualTo(BOUND_PER_REQUEST);
      soft.assertThat(reads / MEASURED)
          .as("bytes allocated by the listener per ticket read (%d in all)", reads)
          .isLessThanOrEqualTo(BOUND_PER_REQUEST);
      soft.assertAll();
    }
  }

  /** One site: sends a renewal (holder) or a ticket read (standby) and checks its answer. */
  private static final class Agent {
    private static long nonce = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    private final DatagramChannel channel;
    private final SecretKeySpec key;
    private final String site;
    private final long epoch;
    private final boolean holder;
    private final byte[] in = new byte[2048];

    Agent(DatagramChannel channel, SecretKeySpec key, String site, long epoch, boolean holder) {
      this.channel = channel;
      this.key = key;
      this.site = site;
      this.epoch = epoch;
      this.holder = holder;
    }

    void ask() throws Exception {
      byte[] request =
          holder
              ? WitnessDatagram.renew(key, ++nonce, "c1", site, epoch, 2000, true)
              : WitnessDatagram.read(key, ++nonce, "c1", site);
      channel.write(ByteBuffer.wrap(request));
      DatagramPacket answer = new DatagramPacket(in, in.length);
      channel.socket().receive(answer);
      assertThat(WitnessDatagram.openAnswer(in, answer.getLength(), key))
          .hasValueSatisfying(
              r -> {
                assertThat(r.nonce()).isEqualTo(nonce);
                assertThat(r.result().ticket().holder()).isEqualTo("a");
                assertThat(r.result().granted()).isEqualTo(holder);
              });
    }
  }
}
