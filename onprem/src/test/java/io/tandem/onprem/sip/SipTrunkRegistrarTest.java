package io.tandem.onprem.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tandem.core.error.FencedException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.StaleEpochException;
import io.tandem.core.error.TandemException;
import io.tandem.core.error.TransientException;
import io.tandem.core.port.TrunkBinding;
import io.tandem.core.runbook.TicketGuard;
import io.tandem.core.witness.FencingToken;
import io.tandem.onprem.sip.internal.RegisterExchange;
import io.tandem.sim.peer.KamailioPeer;
import io.tandem.testkit.Kamailio;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.xbill.DNS.SimpleResolver;

@Kamailio
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SipTrunkRegistrarTest {

  private static final String AOR = "sip:trunk1@tandem.test";
  private static final FencingToken EPOCH_1 = new FencingToken("c", "site-b", 1);

  private final KamailioPeer kamailio;
  private SipEndpoint siteA;
  private SipEndpoint siteB;
  private ScheduledExecutorService scheduler;

  SipTrunkRegistrarTest(KamailioPeer kamailio) {
    this.kamailio = kamailio;
  }

  @BeforeAll
  void open() {
    siteA = SipEndpoint.open("127.0.0.1", 0);
    siteB = SipEndpoint.open("127.0.0.1", 0);
    scheduler = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterAll
  void close() {
    scheduler.shutdownNow();
    siteA.close();
    siteB.close();
  }

  @BeforeEach
  void clear() {
    kamailio.acceptRegistrations("trunk1");
    kamailio.clearLocation(AOR);
    kamailio.clearLocation("sip:trunk2@tandem.test");
  }

  private SipTrunk.Builder trunk1(String transport) {
    return SipTrunk.builder("carrier-1")
        .domain(kamailio.domain())
        .registrar(kamailio.host() + ":" + kamailio.sipPort())
        .transport(transport)
        .user("trunk1")
        .password(kamailio.users().get("trunk1"))
        .requestTimeout(Duration.ofSeconds(2));
  }

  private SipTrunkRegistrar registrar(SipEndpoint endpoint, SipTrunk... trunks) throws Exception {
    return new SipTrunkRegistrar(
        endpoint,
        List.of(trunks),
        new RegistrarLocator(new SimpleResolver("127.0.0.1")),
        Clock.systemUTC(),
        scheduler,
        token -> true);
  }

  @Test
  void registerBindsTheNewContactAndVerifiesIt() throws Exception {
    try (SipTrunkRegistrar registrar = registrar(siteB, trunk1("udp").build())) {
      TrunkBinding binding = registrar.register("carrier-1", "198.51.100.20:5060", EPOCH_1);

      assertThat(binding.contacts()).anyMatch(c -> c.startsWith("sip:trunk1@198.51.100.20:5060"));
      assertThat(binding.expiresAt()).isPresent();
      assertThat(kamailio.contacts(AOR)).singleElement().asString().contains("198.51.100.20:5060");
      assertThat(registrar.observe("carrier-1").contacts()).hasSize(1);
    }
  }

  @Test
  void registerOverTcp() throws Exception {
    try (SipTrunkRegistrar registrar = registrar(siteB, trunk1("tcp").build())) {
      TrunkBinding binding = registrar.register("carrier-1", "198.51.100.21:5060", EPOCH_1);

      assertThat(binding.contacts()).anyMatch(c -> c.contains("198.51.100.21:5060"));
    }
  }

  @Test
  void wrongPasswordIsAClearPermissionError() throws Exception {
    SipTrunk wrong = trunk1("udp").password("not-the-password").build();
    try (SipTrunkRegistrar registrar = registrar(siteB, wrong)) {
      assertThatThrownBy(() -> registrar.register("carrier-1", "198.51.100.20:5060", EPOCH_1))
          .isInstanceOf(PermissionException.class)
          .hasMessageContaining("wrong credentials for trunk carrier-1")
          .hasMessageNotContaining("not-the-password");
    }
    assertThat(kamailio.contacts(AOR)).isEmpty();
  }

  @Test
  void refreshesBeforeExpiry() throws Exception {
    SipTrunk shortLived = trunk1("udp").expires(Duration.ofSeconds(2)).refreshRatio(0.5).build();
    try (SipTrunkRegistrar registrar = registrar(siteB, shortLived)) {
      registrar.register("carrier-1", "198.51.100.22:5060", EPOCH_1);
      long first = cseq(kamailio.locationDump());

      await().atMost(Duration.ofSeconds(8)).until(() -> cseq(kamailio.locationDump()) >= first + 2);
      assertThat(kamailio.contacts(AOR)).singleElement().asString().contains("198.51.100.22");
    }
  }

  @Test
  void unregisterRemovesOnlyThatContact() throws Exception {
    try (SipTrunkRegistrar registrar = registrar(siteB, trunk1("udp").build())) {
      registrar.register("carrier-1", "198.51.100.23:5060", EPOCH_1);

      TrunkBinding after = registrar.unregister("carrier-1", "198.51.100.23:5060");
      TrunkBinding again = registrar.unregister("carrier-1", "198.51.100.23:5060");

      assertThat(after.contacts()).isEmpty();
      assertThat(again.contacts()).isEmpty();
      assertThat(kamailio.contacts(AOR)).isEmpty();
    }
  }

  @Test
  void afterFailoverTheLocationTableHoldsOnlyTheNewSite() throws Exception {
    try (SipTrunkRegistrar a = registrar(siteA, trunk1("udp").build());
        SipTrunkRegistrar b = registrar(siteB, trunk1("tcp").build())) {
      a.register("carrier-1", "192.0.2.10:5060", new FencingToken("c", "site-a", 1));
      assertThat(kamailio.contacts(AOR)).singleElement().asString().contains("192.0.2.10");

      // failover: site B binds its public address, then removes site A's contact
      TrunkBinding left =
          b.replace(
              "carrier-1",
              "198.51.100.30:5060",
              "192.0.2.10:5060",
              new FencingToken("c", "site-b", 2));

      assertThat(left.contacts()).singleElement().asString().contains("198.51.100.30:5060");
      assertThat(kamailio.contacts(AOR)).singleElement().asString().contains("198.51.100.30:5060");
      assertThat(kamailio.locationDump()).doesNotContain("192.0.2.10");
    }
  }

  @Test
  void olderEpochIsRefused() throws Exception {
    try (SipTrunkRegistrar registrar = registrar(siteB, trunk1("udp").build())) {
      registrar.register("carrier-1", "198.51.100.24:5060", new FencingToken("c", "site-b", 5));

      assertThatThrownBy(
              () ->
                  registrar.register(
                      "carrier-1", "198.51.100.25:5060", new FencingToken("c", "site-b", 4)))
          .isInstanceOf(StaleEpochException.class);
    }
  }

  @Test
  void silentRegistrarIsATransientError() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      SipTrunk t =
          trunk1("udp")
              .registrar("127.0.0.1:" + silent.getLocalPort())
              .requestTimeout(Duration.ofMillis(300))
              .build();
      try (SipTrunkRegistrar registrar = registrar(siteB, t)) {
        assertThatThrownBy(() -> registrar.register("carrier-1", "198.51.100.26:5060", EPOCH_1))
            .isInstanceOf(TransientException.class)
            .hasMessageContaining("no registrar answered");
      }
    }
  }

  @Test
  void refusedTcpConnectionIsATransientError() throws Exception {
    int closed;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    SipTrunk t = trunk1("tcp").registrar("127.0.0.1:" + closed).build();
    try (SipTrunkRegistrar registrar = registrar(siteB, t)) {
      assertThatThrownBy(() -> registrar.register("carrier-1", "198.51.100.27:5060", EPOCH_1))
          .isInstanceOf(TransientException.class);
    }
  }

  @Test
  void unknownTrunkIsNotFound() throws Exception {
    try (SipTrunkRegistrar registrar = registrar(siteB, trunk1("udp").build())) {
      assertThatThrownBy(() -> registrar.observe("carrier-9"))
          .isInstanceOf(io.tandem.core.error.ResourceNotFoundException.class)
          .hasMessageContaining("carrier-9");
    }
  }

  private SipTrunkRegistrar registrar(
      SipEndpoint endpoint, ScheduledExecutorService timers, TicketGuard guard, SipTrunk trunk)
      throws Exception {
    return new SipTrunkRegistrar(
        endpoint,
        List.of(trunk),
        new RegistrarLocator(new SimpleResolver("127.0.0.1")),
        Clock.systemUTC(),
        timers,
        guard);
  }

  /** A REGISTER sent by hand, as a stale agent or a misconfigured PBX would send it. */
  private void bindByHand(SipEndpoint from, String contact) {
    SipTrunk t = trunk1("udp").build();
    new RegisterExchange(from, t)
        .register(
            new SipTarget(kamailio.host(), kamailio.sipPort(), "udp"), Optional.of(contact), 300);
  }

  @Test
  void theHolderRemovesEveryForeignContactAndIsTheOnlyBinding() throws Exception {
    bindByHand(siteA, "sip:trunk1@192.0.2.10:5060");
    bindByHand(siteA, "sip:trunk1@192.0.2.11:5062;transport=tcp");
    assertThat(kamailio.contacts(AOR)).hasSize(2);

    try (SipTrunkRegistrar b = registrar(siteB, trunk1("udp").build())) {
      TrunkBinding bound =
          b.register("carrier-1", "198.51.100.30:5060", new FencingToken("c", "site-b", 2));

      assertThat(bound.contacts()).singleElement().asString().contains("198.51.100.30:5060");
      assertThat(kamailio.contacts(AOR)).singleElement().asString().contains("198.51.100.30");
      assertThat(b.observe("carrier-1").contacts()).hasSize(1);
    }
  }

  @Test
  void everyRefreshRemovesAForeignContactAgain() throws Exception {
    RecordingScheduler recording = new RecordingScheduler();
    try (SipTrunkRegistrar b = registrar(siteB, recording, token -> true, trunk1("udp").build())) {
      b.register("carrier-1", "198.51.100.31:5060", new FencingToken("c", "site-b", 2));
      // A stale agent (or a PBX still configured to register) binds itself again afterwards.
      bindByHand(siteA, "sip:trunk1@192.0.2.10:5060");
      assertThat(kamailio.contacts(AOR)).hasSize(2);

      recording.tasks.getLast().run(); // the refresh, now instead of after 80 % of the lifetime

      assertThat(kamailio.contacts(AOR)).singleElement().asString().contains("198.51.100.31");
    } finally {
      recording.shutdownNow();
    }
  }

  /**
   * A site whose ticket was not held at refresh time (a renewal answered late, a witness outage the
   * failsafe rides out) and that holds the same ticket again refreshes its binding: the bench
   * (issue 17.5) saw a carrier left without any contact for over 300 s while the agent reported
   * ACTIVE under the same epoch.
   */
  @Test
  void aSiteThatHoldsItsTicketAgainRefreshesItsBinding() throws Exception {
    RecordingScheduler recording = new RecordingScheduler();
    AtomicBoolean holds = new AtomicBoolean(true);
    try (SipTrunkRegistrar a =
        registrar(siteA, recording, token -> holds.get(), trunk1("udp").build())) {
      a.register("carrier-1", "192.0.2.14:5060", new FencingToken("c", "site-a", 4));
      long before = cseq(kamailio.locationDump());

      holds.set(false);
      recording.tasks.getLast().run(); // refresh time: not held, nothing sent
      assertThat(cseq(kamailio.locationDump())).isEqualTo(before);

      holds.set(true); // the same epoch is held again
      recording.tasks.getLast().run(); // the next re-check refreshes

      assertThat(cseq(kamailio.locationDump())).isGreaterThan(before);
      assertThat(kamailio.contacts(AOR)).singleElement().asString().contains("192.0.2.14");
    } finally {
      recording.shutdownNow();
    }
  }

  @Test
  void aSiteThatLostTheTicketNeitherRegistersNorRefreshes() throws Exception {
    RecordingScheduler recording = new RecordingScheduler();
    AtomicBoolean holds = new AtomicBoolean(true);
    try (SipTrunkRegistrar a =
        registrar(siteA, recording, token -> holds.get(), trunk1("udp").build())) {
      a.register("carrier-1", "192.0.2.12:5060", new FencingToken("c", "site-a", 3));
      long before = cseq(kamailio.locationDump());
      int scheduled = recording.tasks.size();

      holds.set(false); // the ticket passed on (or this agent's deadline ran out)
      recording.tasks.getLast().run();
      recording.tasks.getLast().run(); // the re-check a second later: still not held

      assertThat(cseq(kamailio.locationDump())).isEqualTo(before);
      // only re-checks of the guard are scheduled, nothing is sent
      assertThat(recording.tasks).hasSize(scheduled + 2);
      assertThatThrownBy(
              () -> a.register("carrier-1", "192.0.2.12:5060", new FencingToken("c", "site-a", 3)))
          .isInstanceOf(FencedException.class)
          .hasMessageContaining("no longer holds ticket");
    } finally {
      recording.shutdownNow();
    }
  }

  @Test
  void a503WithRetryAfterIsTransientAndTheRefreshWaitsAsAsked() throws Exception {
    RecordingScheduler recording = new RecordingScheduler();
    try (SipTrunkRegistrar b = registrar(siteB, recording, token -> true, trunk1("udp").build())) {
      kamailio.refuseRegistrations("trunk1", 30);
      assertThatThrownBy(() -> b.register("carrier-1", "198.51.100.32:5060", EPOCH_1))
          .isInstanceOfSatisfying(
              RegistrarUnavailableException.class,
              e -> {
                assertThat(e.category()).isEqualTo(TandemException.Category.TRANSIENT);
                assertThat(e.retryAfter()).contains(Duration.ofSeconds(30));
              })
          .hasMessageContaining("503")
          .hasMessageContaining("Retry-After 30 s");
      assertThat(kamailio.contacts(AOR)).isEmpty();

      kamailio.acceptRegistrations("trunk1");
      b.register("carrier-1", "198.51.100.32:5060", EPOCH_1);
      kamailio.refuseRegistrations("trunk1", 45);
      recording.tasks.getLast().run(); // the refresh meets the 503

      assertThat(recording.delaysMs.getLast()).isEqualTo(45_000L);
      kamailio.acceptRegistrations("trunk1");
      long before = cseq(kamailio.locationDump());
      recording.tasks.getLast().run(); // the retry, after the asked-for wait
      assertThat(cseq(kamailio.locationDump())).isGreaterThan(before);
    } finally {
      recording.shutdownNow();
    }
  }

  @Test
  void refreshIsScheduledAtTheRatioOfTheGrantedLifetime() throws Exception {
    RecordingScheduler recording = new RecordingScheduler();
    SipTrunk t = trunk1("udp").expires(Duration.ofSeconds(100)).refreshRatio(0.8).build();
    try (SipTrunkRegistrar registrar =
        new SipTrunkRegistrar(
            siteB,
            List.of(t),
            new RegistrarLocator(new SimpleResolver("127.0.0.1")),
            Clock.systemUTC(),
            recording,
            token -> true)) {
      registrar.register("carrier-1", "198.51.100.28:5060", EPOCH_1);
      long before = cseq(kamailio.locationDump());

      assertThat(recording.delaysMs).containsExactly(80_000L);
      recording.tasks.get(0).run(); // the refresh, run now instead of in 80 s

      assertThat(cseq(kamailio.locationDump())).isGreaterThan(before);
      assertThat(recording.delaysMs).containsExactly(80_000L, 80_000L);

      registrar.unregister("carrier-1", "198.51.100.28:5060");
      int scheduled = recording.tasks.size();
      recording.tasks.get(scheduled - 1).run(); // a stale refresh after unregister does nothing
      assertThat(kamailio.contacts(AOR)).isEmpty();
    } finally {
      recording.shutdownNow();
    }
  }

  /** Records what the registrar schedules; the tasks run only when the test runs them. */
  private static final class RecordingScheduler
      extends java.util.concurrent.ScheduledThreadPoolExecutor {
    final List<Long> delaysMs = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<Runnable> tasks = new java.util.concurrent.CopyOnWriteArrayList<>();

    RecordingScheduler() {
      super(1);
    }

    @Override
    public java.util.concurrent.ScheduledFuture<?> schedule(
        Runnable command, long delay, java.util.concurrent.TimeUnit unit) {
      delaysMs.add(unit.toMillis(delay));
      tasks.add(command);
      return super.schedule(() -> {}, 1, java.util.concurrent.TimeUnit.DAYS);
    }
  }

  private static long cseq(String dump) {
    Matcher m = Pattern.compile("\"CSeq\"\\s*:\\s*(\\d+)").matcher(dump);
    long max = -1;
    while (m.find()) {
      max = Math.max(max, Long.parseLong(m.group(1)));
    }
    return max;
  }
}
