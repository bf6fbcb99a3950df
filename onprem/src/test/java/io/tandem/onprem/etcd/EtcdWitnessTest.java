package io.tandem.onprem.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.core.error.TransientException;
import io.tandem.core.witness.Ticket;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.onprem.bench.BenchResult;
import io.tandem.testkit.Etcd;
import io.tandem.testkit.EtcdPeer;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Against a real single-node etcd started by the testkit. */
@Etcd
class EtcdWitnessTest {

  private static final Duration TTL = Duration.ofSeconds(2);
  private static EtcdPeer etcd;
  private static EtcdWitness siteA;
  private static EtcdWitness siteB;

  @BeforeAll
  static void connect(EtcdPeer peer) {
    etcd = peer;
    siteA = new EtcdWitness(config(peer.endpoint()));
    siteB = new EtcdWitness(config(peer.endpoint()));
    // The first call also loads gRPC and opens the channel, slow on a loaded machine.
    for (EtcdWitness w : List.of(siteA, siteB)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptionsInstanceOf(TransientException.class)
          .until(() -> w.observe("warm-up").isEmpty());
    }
  }

  @AfterAll
  static void close() {
    siteA.close();
    siteB.close();
  }

  private static EtcdWitnessConfig config(String endpoint) {
    return EtcdWitnessConfig.builder()
        .endpoints(endpoint)
        .grace(Duration.ofSeconds(1))
        .callTimeout(Duration.ofSeconds(3))
        .build();
  }

  private static String cluster(TestInfo info) {
    return "c-" + info.getTestMethod().orElseThrow().getName();
  }

  @Test
  void acquireRenewReleaseAndHandOver(TestInfo info) {
    String c = cluster(info);
    TicketResult a = siteA.acquire(TicketRequest.acquire(c, "a", true, TTL));
    assertThat(a.granted()).isTrue();
    long epoch = a.ticket().epoch();
    assertThat(siteB.observe(c)).map(Ticket::holder).contains("a");

    TicketResult b = siteB.acquire(TicketRequest.acquire(c, "b", true, TTL));
    assertThat(b.granted()).isFalse();
    assertThat(b.reason()).contains("held by a");

    TicketResult renewed = siteA.renew(TicketRequest.renew(c, "a", true, TTL, epoch));
    assertThat(renewed.granted()).isTrue();
    assertThat(renewed.ticket().epoch()).isEqualTo(epoch);
    assertThat(siteB.renew(TicketRequest.renew(c, "b", true, TTL, epoch)).granted()).isFalse();

    siteA.release(c, "a", epoch);
    siteA.release(c, "a", epoch); // idempotent
    assertThat(siteB.observe(c)).isEmpty();
    TicketResult handedOver = siteB.acquire(TicketRequest.acquire(c, "b", true, TTL));
    assertThat(handedOver.granted()).isTrue();
    assertThat(handedOver.ticket().epoch()).isGreaterThan(epoch);
  }

  private static TicketRequest forced(String c, String site) {
    return TicketRequest.forced(c, site, false, TTL, 0, TicketRequest.FORCE_ACKNOWLEDGEMENT);
  }

  /**
   * docs/witness-protocol.md rule 2: a forced acquire preempts the holder at once (its keep-alives
   * fail, answered without a ticket, so it fences) and is granted once the holder released.
   */
  @Test
  void aForcedAcquirePreemptsTheHolderAndIsGrantedWhenItReleases(TestInfo info) {
    String c = cluster(info);
    TicketResult a = siteA.acquire(TicketRequest.acquire(c, "a", true, TTL));
    TicketResult unacknowledged = siteB.acquire(new TicketRequest(c, "b", false, TTL, 0, true));
    assertThat(unacknowledged.granted()).isFalse();
    assertThat(unacknowledged.reason())
        .startsWith("refused: a forced acquire needs the operator's acknowledgement");
    TicketResult forced = siteB.acquire(forced(c, "b"));
    assertThat(forced.granted()).as("a may still serve").isFalse();
    assertThat(forced.reason())
        .matches(
            "forced acquire: waiting \\d\\.0 s for a's ticket to lapse \\(preempted: its renewals"
                + " are refused; granted at once if it releases\\)");
    TicketResult renewal = siteA.renew(TicketRequest.renew(c, "a", true, TTL, a.ticket().epoch()));
    assertThat(renewal.granted()).isFalse();
    assertThat(renewal.ticket()).as("lost, not refused for another reason").isNull();
    assertThat(siteA.acquire(TicketRequest.acquire(c, "a", true, TTL)).reason())
        .isEqualTo("held by a epoch " + a.ticket().epoch() + ", preempted by b's forced acquire");
    assertThat(siteB.acquire(forced(c, "b")).granted()).isFalse();

    siteA.release(c, "a", a.ticket().epoch()); // a fenced and says so
    TicketResult granted = siteB.acquire(forced(c, "b"));
    assertThat(granted.granted()).isTrue();
    assertThat(granted.reason()).contains("forced");
    assertThat(granted.ticket().epoch()).isEqualTo(a.ticket().epoch() + 1);
    assertThat(siteA.observe(c)).map(Ticket::holder).contains("b");
  }

  /** Without a release, the forced acquire is granted only once the old lease ran out. */
  @Test
  void aForcedAcquireIsGrantedOnlyOnceThePreemptedLeaseRanOut(TestInfo info) {
    String c = cluster(info);
    long sent = System.nanoTime();
    TicketResult a = siteA.acquire(TicketRequest.acquire(c, "a", true, TTL));
    assertThat(siteB.acquire(forced(c, "b")).granted()).isFalse();
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> siteB.acquire(forced(c, "b")).granted());
    // the lease was TTL 2 s + grace 1 s on etcd's clock, granted after `sent`
    assertThat(System.nanoTime() - sent).isGreaterThanOrEqualTo(Duration.ofSeconds(3).toNanos());
    assertThat(siteA.observe(c).orElseThrow().epoch()).isEqualTo(a.ticket().epoch() + 1);
  }

  @Test
  void anUnhealthySiteIsNotGranted(TestInfo info) {
    TicketResult r = siteA.acquire(TicketRequest.acquire(cluster(info), "a", false, TTL));
    assertThat(r.granted()).isFalse();
    assertThat(r.reason()).contains("not healthy");
  }

  /**
   * TTL 2 s, grace 2 s: site b asks every 100 ms after a stopped renewing. Every answer that
   * arrived before 4 s after a's acquire was sent is a refusal (the lease, granted after that send,
   * runs TTL + grace on etcd's clock), a refusal was still given to a request sent after a's TTL
   * had surely run out (the grace is enforced, not just the TTL), and b is granted afterwards.
   */
  @Test
  void aLapsedTicketPassesOnOnlyAfterTtlPlusGrace(TestInfo info) {
    String c = cluster(info);
    Duration ttl = Duration.ofSeconds(2);
    EtcdWitnessConfig twoSecondGrace =
        EtcdWitnessConfig.builder()
            .endpoints(etcd.endpoint())
            .grace(Duration.ofSeconds(2))
            .callTimeout(Duration.ofSeconds(3))
            .build();
    try (EtcdWitness a = new EtcdWitness(twoSecondGrace);
        EtcdWitness b = new EtcdWitness(twoSecondGrace)) {
      b.observe("warm-up");
      long sent = System.nanoTime();
      TicketResult held = a.acquire(TicketRequest.acquire(c, "a", true, ttl));
      long answered = System.nanoTime();
      assertThat(held.granted()).isTrue();

      record Answer(long sentNanos, long answeredNanos, TicketResult result) {}
      List<Answer> answers = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(20))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                long s = System.nanoTime();
                TicketResult r = b.acquire(TicketRequest.acquire(c, "b", true, ttl));
                answers.add(new Answer(s, System.nanoTime(), r));
                return r.granted();
              });
      long fourSeconds = Duration.ofSeconds(4).toNanos();
      assertThat(answers)
          .filteredOn(x -> x.answeredNanos() - sent < fourSeconds)
          .as("answered before TTL + grace")
          .allSatisfy(x -> assertThat(x.result().granted()).isFalse())
          .isNotEmpty();
      assertThat(answers)
          .filteredOn(x -> !x.result().granted())
          .as("refused although sent after a's TTL had run out: the grace holds")
          .anySatisfy(
              x ->
                  assertThat(x.sentNanos() - answered)
                      .isGreaterThan(ttl.plusMillis(500).toNanos()));
      TicketResult granted = answers.getLast().result();
      assertThat(granted.ticket().epoch()).isGreaterThan(held.ticket().epoch());
      TicketResult late = a.renew(TicketRequest.renew(c, "a", true, ttl, held.ticket().epoch()));
      assertThat(late.granted()).isFalse();
      assertThat(late.ticket().holder()).isEqualTo("b");
    }
  }

  @Test
  void twoAgentsRacingExactlyOneWinsAndEpochsStrictlyIncrease(TestInfo info) throws Exception {
    String c = cluster(info);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      long lastEpoch = 0;
      for (int round = 0; round < 10; round++) {
        CountDownLatch start = new CountDownLatch(1);
        CompletableFuture<TicketResult> ra =
            CompletableFuture.supplyAsync(
                () -> race(start, siteA, TicketRequest.acquire(c, "a", true, TTL)), pool);
        CompletableFuture<TicketResult> rb =
            CompletableFuture.supplyAsync(
                () -> race(start, siteB, TicketRequest.acquire(c, "b", true, TTL)), pool);
        start.countDown();
        TicketResult x = ra.get();
        TicketResult y = rb.get();
        assertThat(x.granted() ^ y.granted())
            .as("round %d: exactly one grant (%s / %s)", round, x.reason(), y.reason())
            .isTrue();
        Ticket won = x.granted() ? x.ticket() : y.ticket();
        assertThat(won.epoch()).isGreaterThan(lastEpoch);
        lastEpoch = won.epoch();
        (x.granted() ? siteA : siteB).release(c, won.holder(), won.epoch());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static TicketResult race(CountDownLatch start, EtcdWitness w, TicketRequest r) {
    try {
      start.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return w.acquire(r);
  }

  @Test
  void survivesAnEtcdRestartMidTest(TestInfo info) {
    String c = cluster(info);
    Duration ttl = Duration.ofSeconds(10);
    TicketResult a = siteA.acquire(TicketRequest.acquire(c, "a", true, ttl));
    assertThat(a.granted()).isTrue();
    long epoch = a.ticket().epoch();

    etcd.stop();
    try {
      assertThatThrownBy(() -> siteA.renew(TicketRequest.renew(c, "a", true, ttl, epoch)))
          .isInstanceOf(TransientException.class);
    } finally {
      etcd.start();
    }
    TicketResult renewed =
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(250))
            .ignoreExceptionsInstanceOf(TransientException.class)
            .until(() -> siteA.renew(TicketRequest.renew(c, "a", true, ttl, epoch)), r -> true);
    assertThat(renewed.granted()).as(renewed.reason()).isTrue();
    assertThat(renewed.ticket().epoch()).isEqualTo(epoch);
    assertThat(siteB.acquire(TicketRequest.acquire(c, "b", true, TTL)).granted()).isFalse();

    siteA.release(c, "a", epoch);
    TicketResult b = siteB.acquire(TicketRequest.acquire(c, "b", true, TTL));
    assertThat(b.ticket().epoch()).isEqualTo(epoch + 1);
  }

  @Test
  void anUnreachableEtcdIsTransient() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (EtcdWitness nowhere =
        new EtcdWitness(
            EtcdWitnessConfig.builder()
                .endpoints("http://127.0.0.1:" + closedPort)
                .callTimeout(Duration.ofMillis(500))
                .build())) {
      assertThatThrownBy(() -> nowhere.observe("c"))
          .isInstanceOf(TransientException.class)
          .hasMessageContaining("etcd");
    }
  }

  @Test
  void grantLatencyBenchmark(TestInfo info) {
    String c = cluster(info);
    int runs = 50;
    double[] ms = new double[runs];
    List<Long> epochs = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      TicketResult r = siteA.acquire(TicketRequest.acquire(c, "a", true, TTL));
      ms[i] = (System.nanoTime() - t0) / 1e6;
      assertThat(r.granted()).isTrue();
      epochs.add(r.ticket().epoch());
      siteA.release(c, "a", r.ticket().epoch());
    }
    assertThat(epochs).isSorted().doesNotHaveDuplicates();
    Map<String, Number> figures = new LinkedHashMap<>();
    figures.put("runs", runs);
    figures.put("median_ms", BenchResult.median(ms));
    figures.put("p99_ms", BenchResult.percentile(ms, 99));
    BenchResult.write("etcd-grant-latency", figures);
  }

  @Test
  void aRenewalIsOneLeaseKeepAlive(TestInfo info) {
    String c = cluster(info);
    java.util.List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.grpc.ClientInterceptor counting =
        new io.grpc.ClientInterceptor() {
          @Override
          public <Q, R> io.grpc.ClientCall<Q, R> interceptCall(
              io.grpc.MethodDescriptor<Q, R> method,
              io.grpc.CallOptions options,
              io.grpc.Channel next) {
            calls.add(method.getBareMethodName());
            return next.newCall(method, options);
          }
        };
    try (EtcdWitness w =
        new EtcdWitness(config(etcd.endpoint()), java.time.Clock.systemUTC(), List.of(counting))) {
      TicketResult a = w.acquire(TicketRequest.acquire(c, "a", true, TTL));
      assertThat(a.granted()).isTrue();
      calls.clear();
      for (int i = 0; i < 3; i++) {
        assertThat(w.renew(TicketRequest.renew(c, "a", true, TTL, a.ticket().epoch())).granted())
            .isTrue();
      }
      assertThat(calls).containsExactly("LeaseKeepAlive", "LeaseKeepAlive", "LeaseKeepAlive");
      // another client of the same site (a restarted agent) reads once, then keeps alive
      try (EtcdWitness restarted = new EtcdWitness(config(etcd.endpoint()))) {
        TicketRequest renew = TicketRequest.renew(c, "a", true, TTL, a.ticket().epoch());
        assertThat(restarted.renew(renew).granted()).isTrue();
        assertThat(restarted.renew(renew).granted()).isTrue();
      }
    }
  }
}
