package io.tandem.app.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.core.error.TransientException;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.InMemoryWitnessStateStore;
import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.Witness;
import io.tandem.core.witness.WitnessCluster;
import io.tandem.core.witness.WitnessClusters;
import io.tandem.core.witness.WitnessSettings;
import io.tandem.sim.net.TcpFaultProxy;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
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
import java.util.Optional;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The built-in witness's datagrams end to end on loopback: the production listener ({@link
 * WitnessDatagramServer}) beside the HTTP one, the agent's client ({@link DatagramWitness}). What
 * it must refuse, it refuses the way docs/witness-protocol.md ("Datagrams") says: a wrong MAC, a
 * site of another cluster, an answer reflected back, a replay and a clock off by more than five
 * minutes are never granted anything.
 */
class DatagramWitnessTest {

  static final String A = "secret-of-site-a-0123456789";
  static final String B = "secret-of-site-b-0123456789";
  // generous: the fallback over HTTPS must answer on a loaded CI machine (the design value is 500
  // ms)
  static final Duration TIMEOUT = Duration.ofSeconds(2);
  static final Duration TTL = Duration.ofSeconds(2);

  BuiltInWitness witness;
  WitnessHttpServer http;
  WitnessDatagramServer udp;
  final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void start() {
    Map<String, byte[]> secrets =
        Map.of("a", A.getBytes(StandardCharsets.UTF_8), "b", B.getBytes(StandardCharsets.UTF_8));
    WitnessSettings settings =
        WitnessSettings.builder().grace(Duration.ofMillis(300)).maxTtl(TTL).build();
    witness =
        new BuiltInWitness(
            WitnessClusters.of(
                List.of(
                    new WitnessCluster("c1", settings, SharedSecretAuthenticator.of(secrets)),
                    new WitnessCluster(
                        "c2",
                        settings,
                        SharedSecretAuthenticator.of(
                            Map.of("a", "secret-of-c2-a-0123456789".getBytes()))))),
            Clock.systemUTC(),
            System::nanoTime,
            new InMemoryWitnessStateStore());
    http =
        WitnessHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0), Optional.empty(), witness, Map.of());
    udp =
        WitnessDatagramServer.start(
            http.address(),
            witness,
            List.of(
                new WitnessServerConfig.Cluster(
                    "c1", null, secrets, TTL, Duration.ofMillis(300), Map.of()),
                new WitnessServerConfig.Cluster(
                    "c2",
                    null,
                    Map.of("a", "secret-of-c2-a-0123456789".getBytes()),
                    TTL,
                    Duration.ofMillis(300),
                    Map.of())),
            Clock.systemUTC());
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    udp.close();
    http.close();
  }

  URI base() {
    return URI.create("http://127.0.0.1:" + http.address().getPort());
  }

  DatagramWitness client(String site, String secret, URI httpsBase, Clock clock) {
    HttpWitness https =
        new HttpWitness(
            HttpClient.newBuilder().connectTimeout(TIMEOUT).build(),
            httpsBase,
            site,
            () -> secret,
            TIMEOUT,
            JsonMapper.shared());
    DatagramWitness w = new DatagramWitness(https, base(), site, () -> secret, TIMEOUT, clock);
    closing.add(w);
    return w;
  }

  @Test
  void theTicketTravelsAsDatagramsAndNeedsNoTcpPath() {
    TcpFaultProxy proxy = new TcpFaultProxy("127.0.0.1", http.address().getPort());
    closing.add(proxy);
    proxy.blackhole(true); // TCP to the witness stalls; datagrams still pass
    DatagramWitness a =
        client("a", A, URI.create("http://127.0.0.1:" + proxy.port()), Clock.systemUTC());
    TicketResult granted = a.acquire(TicketRequest.acquire("c1", "a", true, TTL));
    assertThat(granted.granted()).as(granted.reason()).isTrue();
    long epoch = granted.ticket().epoch();
    // an acquire answered late and sent again is the same grant, not a new epoch
    TicketResult again = a.acquire(TicketRequest.acquire("c1", "a", true, TTL, epoch));
    assertThat(again.granted()).isTrue();
    assertThat(again.ticket().epoch()).isEqualTo(epoch);

    for (int i = 0; i < 10; i++) {
      TicketResult r = a.renew(TicketRequest.renew("c1", "a", true, TTL, epoch));
      assertThat(r.granted()).as(r.reason()).isTrue();
      assertThat(r.reason()).isEqualTo("renewed epoch " + epoch);
    }
    assertThat(a.observe("c1")).hasValueSatisfying(t -> assertThat(t.holder()).isEqualTo("a"));
    assertThat(udp.answered()).isGreaterThanOrEqualTo(11);

    // the witness's rules hold on datagrams too: another site's renewal is refused
    DatagramWitness b = client("b", B, base(), Clock.systemUTC());
    TicketResult refused = b.renew(TicketRequest.renew("c1", "b", true, TTL, epoch));
    assertThat(refused.granted()).isFalse();
    assertThat(refused.reason())
        .isEqualTo("refused: held by a under epoch " + epoch + ", not b@" + epoch);

    // a hands over: its release, then b's acquire, as datagrams
    a.release("c1", "a", epoch);
    assertThat(witness.observe("c1")).isEmpty();
    TicketResult toB = b.acquire(TicketRequest.acquire("c1", "b", true, TTL, epoch));
    assertThat(toB.granted()).as(toB.reason()).isTrue();
    assertThat(toB.ticket().epoch()).isEqualTo(epoch + 1);
    assertThat(proxy.accepted()).as("HTTPS was tried while no datagram had answered").isPositive();
  }

  /**
   * Issue 17.1: the agent resends an overdue acquire as it was (the same request, the newest epoch
   * it knew then, copies at once) while the first may still be on its way. Only because every copy
   * gets the same grant ({@code answersConcurrentAcquiresAlike}) may it do so: as datagrams and
   * over HTTPS (the fallback's own client) alike, a copy never costs an epoch and is never refused.
   */
  @Test
  void copiesOfOneAcquireInFlightAtOnceGetTheSameGrantOverBothPaths() {
    DatagramWitness datagrams = client("a", A, base(), Clock.systemUTC());
    HttpWitness https =
        new HttpWitness(
            HttpClient.newBuilder().connectTimeout(TIMEOUT).build(),
            base(),
            "a",
            () -> A,
            TIMEOUT,
            JsonMapper.shared());
    long known = 0;
    for (Witness path : List.<Witness>of(datagrams, https)) {
      assertThat(path.answersConcurrentAcquiresAlike()).isTrue();
      TicketRequest r = TicketRequest.acquire("c1", "a", true, TTL, known);
      List<java.util.concurrent.CompletableFuture<TicketResult>> copies = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        copies.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> path.acquire(r)));
      }
      List<TicketResult> answers =
          copies.stream().map(java.util.concurrent.CompletableFuture::join).toList();
      String name = path.getClass().getSimpleName();
      assertThat(answers).as(name).allSatisfy(x -> assertThat(x.granted()).as(x.reason()).isTrue());
      assertThat(answers.stream().map(x -> x.ticket().epoch()).distinct().toList())
          .as("%s: one epoch for every copy", name)
          .containsExactly(known + 1);
      witness.releaseVerified("c1", "a", known + 1);
      known = known + 1;
    }
    assertThat(udp.answered()).as("the first three went as datagrams").isGreaterThanOrEqualTo(3);
  }

  /** Issue 17.4: no site's datagram key is derived while the witness starts, each at first use. */
  @Test
  void aSitesDatagramKeyIsDerivedAtItsFirstDatagramNotAtStart() {
    assertThat(udp.keysDerived()).as("started: no key derived").isZero();
    DatagramWitness a = client("a", A, base(), Clock.systemUTC());
    long epoch = a.acquire(TicketRequest.acquire("c1", "a", true, TTL)).ticket().epoch();
    assertThat(a.renew(TicketRequest.renew("c1", "a", true, TTL, epoch)).granted()).isTrue();
    assertThat(udp.answered()).as("answered as datagrams").isPositive();
    assertThat(udp.keysDerived()).as("c1/a, once").isEqualTo(1);
    DatagramWitness stranger =
        client("zz", "secret-of-no-site-0123456789", base(), Clock.systemUTC());
    assertThatThrownBy(() -> stranger.renew(TicketRequest.renew("c1", "zz", true, TTL, epoch)))
        .as("an unknown site's datagrams are dropped, then HTTPS refuses it");
    assertThat(udp.keysDerived()).as("no key for a site not configured").isEqualTo(1);
  }

  @Test
  void withoutTheDatagramListenerTheClientRenewsOverHttps() {
    udp.close();
    DatagramWitness a = client("a", A, base(), Clock.systemUTC());
    long epoch = a.acquire(TicketRequest.acquire("c1", "a", true, TTL)).ticket().epoch();
    TicketResult r = a.renew(TicketRequest.renew("c1", "a", true, TTL, epoch));
    assertThat(r.granted()).as(r.reason()).isTrue();
    assertThat(a.counts().get(2))
        .as("calls that went over HTTPS: the acquire, the renewal")
        .isEqualTo(2);
  }

  @Test
  void withNeitherPathTheCallFailsWithinItsTimeout() {
    udp.close();
    TcpFaultProxy proxy = new TcpFaultProxy("127.0.0.1", http.address().getPort());
    closing.add(proxy);
    proxy.blackhole(true);
    DatagramWitness a =
        client("a", A, URI.create("http://127.0.0.1:" + proxy.port()), Clock.systemUTC());
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> a.renew(TicketRequest.renew("c1", "a", true, TTL, 1)))
        .isInstanceOf(TransientException.class);
    // design bound: the call's timeout, plus an allowance for a loaded machine
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(TIMEOUT.plusSeconds(3));
  }

  /**
   * ADR 0007 (fast): a renewal answered later than the retry timeout still renews. The holder takes
   * its deadline from the renewal's send time, so any answer granted is safe to use, and on a host
   * whose threads wait for a CPU a round trip over loopback can take longer than the fast timings'
   * 100 ms; an answer dropped for being late cost the ticket there. The call still fails once the
   * ticket it asks for could no longer be alive (its TTL after the send).
   */
  @Test
  void aRenewalAnsweredAfterTheRetryTimeoutStillRenews() throws Exception {
    TcpFaultProxy proxy = new TcpFaultProxy("127.0.0.1", http.address().getPort());
    closing.add(proxy);
    proxy.blackhole(true); // no HTTPS answer: only the datagram path can renew
    DelayingRelay relay = new DelayingRelay(udp.address());
    closing.add(relay);
    Duration retry = Duration.ofMillis(100);
    HttpWitness https =
        new HttpWitness(
            HttpClient.newBuilder().connectTimeout(retry).build(),
            URI.create("http://127.0.0.1:" + proxy.port()),
            "a",
            () -> A,
            retry,
            JsonMapper.shared());
    DatagramWitness a =
        new DatagramWitness(
            https,
            URI.create("http://127.0.0.1:" + relay.port()),
            "a",
            () -> A,
            retry,
            Clock.systemUTC());
    closing.add(a);
    // the first call (cold code on a busy machine) may outlast 100 ms: ask again, the same grant
    long epoch =
        await()
            .atMost(Duration.ofSeconds(10))
            .ignoreExceptions()
            .until(() -> a.acquire(TicketRequest.acquire("c1", "a", true, TTL)), r -> r.granted())
            .ticket()
            .epoch();

    relay.delay = Duration.ofMillis(300); // three retry timeouts, well within the 2 s ticket
    TicketResult late = a.renew(TicketRequest.renew("c1", "a", true, TTL, epoch));
    assertThat(late.granted()).as(late.reason()).isTrue();

    relay.delay = Duration.ofSeconds(30); // never within the ticket's lifetime
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> a.renew(TicketRequest.renew("c1", "a", true, TTL, epoch)))
        .isInstanceOf(TransientException.class);
    // design bound: the ticket's TTL, plus an allowance for a loaded machine
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(TTL.plusSeconds(3));
  }

  /** Forwards datagrams both ways between a client and {@code upstream}, each after a delay. */
  static final class DelayingRelay implements AutoCloseable {
    final DatagramChannel front;
    final DatagramChannel back;
    final java.util.concurrent.ScheduledExecutorService later =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    final Thread pump;
    volatile Duration delay = Duration.ZERO;
    volatile java.net.SocketAddress client;

    DelayingRelay(InetSocketAddress upstream) throws java.io.IOException {
      front = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
      back = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
      back.connect(upstream);
      pump =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    // Bounded by close(): the channels' close ends both receives.
                    Thread down = Thread.ofPlatform().daemon().start(() -> relay(back, true));
                    relay(front, false);
                    down.interrupt();
                  });
    }

    private void relay(DatagramChannel from, boolean answers) {
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      while (from.isOpen()) {
        try {
          buf.clear();
          java.net.SocketAddress sender = from.receive(buf);
          if (!answers) {
            client = sender;
          }
          buf.flip();
          byte[] data = new byte[buf.remaining()];
          buf.get(data);
          long ms = delay.toMillis();
          later.schedule(
              () -> {
                try {
                  if (answers) {
                    front.send(ByteBuffer.wrap(data), client);
                  } else {
                    back.write(ByteBuffer.wrap(data));
                  }
                } catch (java.io.IOException ignored) {
                  // closed while a datagram was held back: it is lost, as on a real link
                }
              },
              ms,
              java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.io.IOException e) {
          return;
        }
      }
    }

    int port() {
      return ((InetSocketAddress) front.socket().getLocalSocketAddress()).getPort();
    }

    @Override
    public void close() throws Exception {
      later.shutdownNow();
      front.close();
      back.close();
    }
  }

  @Test
  void anAgentWhoseClockWentBackIsToldAndCatchesUp() {
    DatagramWitness a = client("a", A, base(), Clock.systemUTC());
    long epoch = a.acquire(TicketRequest.acquire("c1", "a", true, TTL)).ticket().epoch();
    assertThat(a.renew(TicketRequest.renew("c1", "a", true, TTL, epoch)).granted()).isTrue();
    // a restarted agent whose clock is 30 s behind: its first nonce is refused as STALE, the
    // authenticated answer names the highest nonce seen, and the resend above it is granted
    DatagramWitness again =
        client("a", A, base(), Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-30)));
    long stale = udp.stale();
    assertThat(again.renew(TicketRequest.renew("c1", "a", true, TTL, epoch)).granted()).isTrue();
    assertThat(udp.stale()).isEqualTo(stale + 1);
  }

  @Test
  void forgedReplayedReflectedAndSkewedDatagramsAreNotGranted() throws Exception {
    long epoch =
        client("a", A, base(), Clock.systemUTC())
            .acquire(TicketRequest.acquire("c1", "a", true, TTL))
            .ticket()
            .epoch();
    SecretKeySpec key = WitnessDatagram.key(A.getBytes(StandardCharsets.UTF_8), "c1", "a");
    try (DatagramChannel raw = DatagramChannel.open()) {
      raw.connect(http.address());
      raw.socket().setSoTimeout(300);
      long nonce = micros(Instant.now());

      byte[] good = WitnessDatagram.renew(key, nonce, "c1", "a", epoch, 2000, true);
      assertThat(answer(raw, good, key).status()).isEqualTo(WitnessDatagram.Status.RESULT);
      // the same datagram again (a replay): STALE, nothing renewed
      WitnessDatagram.Answer replay = answer(raw, good, key);
      assertThat(replay.status()).isEqualTo(WitnessDatagram.Status.STALE);
      assertThat(replay.value()).isEqualTo(nonce);

      long dropped = udp.dropped();
      // a wrong key (another site's secret), the key of the same site in another cluster, a
      // flipped bit, an answer sent back as a request: dropped without an answer
      SecretKeySpec wrong = WitnessDatagram.key(B.getBytes(StandardCharsets.UTF_8), "c1", "a");
      assertNoAnswer(raw, WitnessDatagram.renew(wrong, nonce + 1, "c1", "a", epoch, 2000, true));
      SecretKeySpec c2 = WitnessDatagram.key("secret-of-c2-a-0123456789".getBytes(), "c2", "a");
      assertNoAnswer(raw, WitnessDatagram.renew(c2, nonce + 2, "c1", "a", epoch, 2000, true));
      byte[] flipped = WitnessDatagram.renew(key, nonce + 3, "c1", "a", epoch, 2000, true);
      flipped[20] ^= 1;
      assertNoAnswer(raw, flipped);
      WitnessDatagram.Request asked =
          new WitnessDatagram.Request(
              WitnessDatagram.KIND_RENEW, nonce + 4, "c1", "a", epoch, 2000, true);
      assertNoAnswer(
          raw,
          WitnessDatagram.answer(key, asked, TicketResult.refused(null, "refused: reflected")));
      assertNoAnswer(raw, new byte[] {'T', 'W', 1, 1, 0, 0});
      await().atMost(Duration.ofSeconds(5)).until(() -> udp.dropped() >= dropped + 5);

      // a clock ten minutes ahead: SKEW with the witness's clock, nothing renewed
      long ahead = micros(Instant.now().plus(10, ChronoUnit.MINUTES));
      WitnessDatagram.Answer skew =
          answer(raw, WitnessDatagram.renew(key, ahead, "c1", "a", epoch, 2000, true), key);
      assertThat(skew.status()).isEqualTo(WitnessDatagram.Status.SKEW);
      assertThat(Math.abs(skew.value() - micros(Instant.now())))
          .isLessThan(Duration.ofSeconds(60).toNanos() / 1000);
    }
  }

  static long micros(Instant t) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, t);
  }

  static WitnessDatagram.Answer answer(DatagramChannel raw, byte[] d, SecretKeySpec key)
      throws Exception {
    raw.write(ByteBuffer.wrap(d));
    byte[] in = new byte[2048];
    java.net.DatagramPacket p = new java.net.DatagramPacket(in, in.length);
    raw.socket().receive(p);
    return WitnessDatagram.openAnswer(in, p.getLength(), key).orElseThrow();
  }

  static void assertNoAnswer(DatagramChannel raw, byte[] d) throws Exception {
    raw.write(ByteBuffer.wrap(d));
    byte[] in = new byte[2048];
    java.net.DatagramPacket p = new java.net.DatagramPacket(in, in.length);
    assertThatThrownBy(() -> raw.socket().receive(p)).isInstanceOf(SocketTimeoutException.class);
  }
}
