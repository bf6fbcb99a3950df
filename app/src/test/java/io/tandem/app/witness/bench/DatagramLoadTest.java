package io.tandem.app.witness.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.app.witness.DatagramWitness;
import io.tandem.app.witness.HttpWitness;
import io.tandem.app.witness.WitnessDatagramCodec;
import io.tandem.core.witness.TicketRequest;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The datagram generator of {@code scripts/bench-witness} sends exactly what an agent's {@link
 * DatagramWitness} sends for the same site, secret, epoch, TTL and nonce: the agent's client (as
 * {@code WitnessClients} builds it, its clock fixed so the nonce is known) sends to a socket that
 * records, and its bytes are compared with the generator's.
 */
class DatagramLoadTest {

  static final Duration TIMEOUT = Duration.ofMillis(200);

  @Test
  void theGeneratorsDatagramsAreByteForByteTheAgents() throws Exception {
    Instant at = Instant.parse("2026-12-07T12:00:00.123456Z");
    long nonce = ChronoUnit.MICROS.between(Instant.EPOCH, at);
    String cluster = BenchClusters.name(42);
    String secretA = "secret-" + cluster + "-alpha-0123456789";
    String secretB = "secret-" + cluster + "-beta-01234567890";
    Duration ttl = AgentProfile.ADR_0007.ttl();
    try (DatagramChannel recorder = DatagramChannel.open()) {
      recorder.bind(new InetSocketAddress("127.0.0.1", 0));
      recorder.socket().setSoTimeout(5_000);
      URI base = URI.create("http://127.0.0.1:" + recorder.socket().getLocalPort());

      DatagramLoad.Site holder = new DatagramLoad.Site(cluster, "alpha", secretA, true, 7);
      try (DatagramWitness agent = client(base, "alpha", secretA, at)) {
        byte[] sent =
            sentBy(
                recorder, () -> agent.renew(TicketRequest.renew(cluster, "alpha", true, ttl, 7)));
        assertThat(sent)
            .as("renewal")
            .isEqualTo(DatagramLoad.datagram(holder, AgentLoad.Op.RENEW, nonce, ttl));
      }

      DatagramLoad.Site standby = new DatagramLoad.Site(cluster, "beta", secretB, false, 0);
      try (DatagramWitness agent = client(base, "beta", secretB, at)) {
        byte[] sent = sentBy(recorder, () -> agent.observe(cluster));
        assertThat(sent)
            .as("ticket read")
            .isEqualTo(DatagramLoad.datagram(standby, AgentLoad.Op.TICKET, nonce, ttl));
      }
    }
  }

  @Test
  void theTemplateWithANewNonceAndMacIsTheEncodersDatagram() {
    String cluster = BenchClusters.name(7);
    Duration ttl = AgentProfile.ADR_0007.ttl();
    DatagramLoad.Site holder =
        new DatagramLoad.Site(cluster, "alpha", "secret-a-0123456789", true, 1234567);
    DatagramLoad.Site standby =
        new DatagramLoad.Site(cluster, "beta", "secret-b-0123456789", false, 0);
    byte[] out = new byte[1200];
    long nonce = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse("2026-12-07T15:00:00Z"));
    for (long k = 0; k < 50; k++) {
      long n = nonce + k * 7919;
      for (DatagramLoad.Site s : new DatagramLoad.Site[] {holder, standby}) {
        AgentLoad.Op op = s.holder ? AgentLoad.Op.RENEW : AgentLoad.Op.TICKET;
        int len = s.encode(op, n, ttl, out);
        assertThat(Arrays.copyOf(out, len))
            .as("%s nonce %d", op, n)
            .isEqualTo(DatagramLoad.datagram(s, op, n, ttl));
        assertThat(s.macOk(out, len)).isTrue();
        out[len - 1] ^= 1;
        assertThat(s.macOk(out, len)).as("a flipped MAC bit").isFalse();
      }
    }
  }

  @Test
  void everyScheduledSendIsAnsweredOrCountedLostAgainstAnEcho() throws Exception {
    AgentProfile profile = AgentProfile.ADR_0007;
    List<DatagramLoad.Site> sites = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String c = BenchClusters.name(i);
      sites.add(new DatagramLoad.Site(c, "alpha", "secret-" + c + "-a-0123456789", true, 1));
      sites.add(new DatagramLoad.Site(c, "beta", "secret-" + c + "-b-0123456789", false, 0));
    }
    try (DatagramChannel echo = DatagramChannel.open()) {
      echo.bind(new InetSocketAddress("127.0.0.1", 0));
      Thread server = Thread.ofPlatform().daemon(true).start(() -> UdpEcho.serve(echo));
      Map<String, Object> f;
      try (DatagramLoad load =
          new DatagramLoad(profile, sites, (InetSocketAddress) echo.getLocalAddress(), 1, true)) {
        load.start();
        Duration window = Duration.ofMillis(600);
        load.measure(window);
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> load.scheduledPast(window.plus(profile.retryTimeout().multipliedBy(2))));
        f = load.figures(window);
      } finally {
        echo.close();
        server.join(Duration.ofSeconds(5));
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> renew = (Map<String, Object>) f.get("renew");
      @SuppressWarnings("unchecked")
      Map<String, Object> read = (Map<String, Object>) f.get("ticket");
      // 20 holders renew every 300 ms, 20 standbys read every 500 ms: ≈ 40 + 24 in 600 ms
      long sent = (long) renew.get("sent") + (long) read.get("sent");
      assertThat(sent).isBetween(40L, 90L);
      for (Map<String, Object> op : List.of(renew, read)) {
        assertThat((long) op.get("answers") + (long) op.get("lost")).isEqualTo(op.get("sent"));
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> g = (Map<String, Object>) f.get("generator");
      assertThat(g.get("bad_answers")).isEqualTo(0L);
    }
  }

  @Test
  void anotherNonceOrSecretGivesOtherBytes() {
    String cluster = BenchClusters.name(1);
    DatagramLoad.Site a = new DatagramLoad.Site(cluster, "alpha", "one-secret-0123456789", true, 3);
    DatagramLoad.Site b = new DatagramLoad.Site(cluster, "alpha", "two-secret-0123456789", true, 3);
    Duration ttl = Duration.ofSeconds(2);
    byte[] one = DatagramLoad.datagram(a, AgentLoad.Op.RENEW, 1000, ttl);
    assertThat(one).isNotEqualTo(DatagramLoad.datagram(a, AgentLoad.Op.RENEW, 1001, ttl));
    assertThat(one).isNotEqualTo(DatagramLoad.datagram(b, AgentLoad.Op.RENEW, 1000, ttl));
    // the MAC is the last 16 bytes; everything before it is the same for the two secrets
    byte[] two = DatagramLoad.datagram(b, AgentLoad.Op.RENEW, 1000, ttl);
    assertThat(Arrays.copyOf(one, one.length - 16)).isEqualTo(Arrays.copyOf(two, two.length - 16));
  }

  private static DatagramWitness client(URI base, String site, String secret, Instant at) {
    // nothing listens on TCP there: the HTTPS fallback fails at once, the datagram is what counts
    HttpWitness https =
        new HttpWitness(
            HttpClient.newBuilder().connectTimeout(TIMEOUT).build(),
            base,
            site,
            () -> secret,
            TIMEOUT,
            JsonMapper.shared());
    return WitnessDatagramCodec.client(
        https, base, site, secret, TIMEOUT, Clock.fixed(at, ZoneOffset.UTC));
  }

  /** The one datagram {@code call} sends (the call itself fails: nothing answers). */
  private static byte[] sentBy(DatagramChannel recorder, Runnable call) throws Exception {
    Thread t =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    call.run();
                  } catch (RuntimeException expected) {
                    // no answer within the timeout
                  }
                });
    java.net.DatagramPacket packet = new java.net.DatagramPacket(new byte[2048], 2048);
    try {
      recorder.socket().receive(packet);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the agent's client sent no datagram", e);
    }
    t.join(Duration.ofSeconds(5));
    return Arrays.copyOf(packet.getData(), packet.getLength());
  }
}
