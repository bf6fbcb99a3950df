package io.tandem.app.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.ConfigException;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.TransientException;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.FileWitnessStateStore;
import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.WitnessCluster;
import io.tandem.core.witness.WitnessClusters;
import io.tandem.core.witness.WitnessSettings;
import io.tandem.sim.lab.SimSipServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The built-in witness over real HTTP, as {@code tandem witness} serves it: grants, refusals,
 * per-site credentials bound to their cluster, persistence, the probe limited to configured
 * targets, the operator's acknowledgement on the wire.
 */
class WitnessServerTest {

  @TempDir static Path dir;
  static WitnessHttpServer server;
  static SimSipServer pbx;
  static URI base;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static final Duration TTL = Duration.ofSeconds(3);

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @BeforeAll
  static void start() throws Exception {
    pbx = SimSipServer.pbx("site-a", Clock.systemUTC());
    WitnessSettings settings =
        WitnessSettings.builder()
            .grace(Duration.ofSeconds(1))
            .maxTtl(Duration.ofSeconds(10))
            .build();
    var witness =
        new BuiltInWitness(
            WitnessClusters.of(
                List.of(
                    new WitnessCluster(
                        "c1",
                        settings,
                        SharedSecretAuthenticator.of(
                            Map.of(
                                "site-a", b("secret-of-site-a-123"),
                                "site-b", b("secret-of-site-b-456")))),
                    new WitnessCluster(
                        "c2",
                        settings,
                        SharedSecretAuthenticator.of(
                            Map.of("site-a", b("secret-of-c2-site-a-789")))))),
            Clock.systemUTC(),
            System::nanoTime,
            new FileWitnessStateStore(dir.resolve("state")));
    server =
        WitnessHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            Optional.empty(),
            witness,
            Map.of(
                "c1",
                Map.of(
                    "site-a",
                    Set.of(new WitnessServerConfig.ProbeTarget(pbx.hostPort(), "udp")),
                    "site-b",
                    Set.of())));
    base = URI.create("http://127.0.0.1:" + server.address().getPort());
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    pbx.close();
  }

  static HttpWitness client(String site, String secret) {
    return new HttpWitness(
        http, base, site, () -> secret, Duration.ofSeconds(2), JsonMapper.shared());
  }

  @Test
  void oneSiteHoldsTheTicketAndTheOtherIsRefusedUntilRelease() {
    var a = client("site-a", "secret-of-site-a-123");
    var b = client("site-b", "secret-of-site-b-456");
    var granted = a.acquire(TicketRequest.acquire("c1", "site-a", true, TTL));
    assertThat(granted.granted()).isTrue();
    long epoch = granted.ticket().epoch();
    var refused = b.acquire(TicketRequest.acquire("c1", "site-b", true, TTL));
    assertThat(refused.granted()).isFalse();
    assertThat(refused.ticket().holder()).isEqualTo("site-a");
    assertThat(a.renew(TicketRequest.renew("c1", "site-a", true, TTL, epoch)).granted()).isTrue();
    assertThat(b.observe("c1")).hasValueSatisfying(t -> assertThat(t.epoch()).isEqualTo(epoch));
    a.release("c1", "site-a", epoch);
    var next = b.acquire(TicketRequest.acquire("c1", "site-b", true, TTL));
    assertThat(next.granted()).isTrue();
    assertThat(next.ticket().epoch()).isGreaterThan(epoch);
    b.release("c1", "site-b", next.ticket().epoch());
  }

  @Test
  void theWitnessProbesASitesConfiguredPublicAddressFromItsOwnVantagePoint() {
    var a = client("site-a", "secret-of-site-a-123");
    var ok = a.probe("c1", pbx.hostPort(), "udp", Duration.ofSeconds(2));
    assertThat(ok.status()).as(ok.detail()).isEqualTo("OK");
    assertThat(ok.detail()).contains("200");
    pbx.serving(false);
    try {
      var refused = a.probe("c1", pbx.hostPort(), "udp", Duration.ofSeconds(2));
      assertThat(refused.status()).isEqualTo("FAIL");
      assertThat(refused.detail()).contains("503");
    } finally {
      pbx.serving(true);
    }
    var impostor = client("site-a", "wrong-secret-of-site-a");
    assertThatThrownBy(() -> impostor.probe("c1", pbx.hostPort(), "udp", Duration.ofSeconds(1)))
        .isInstanceOf(PermissionException.class);
  }

  @Test
  void theProbeIsNoPortScanner() {
    var a = client("site-a", "secret-of-site-a-123");
    assertThatThrownBy(() -> a.probe("c1", "127.0.0.1:22", "tcp", Duration.ofSeconds(1)))
        .isInstanceOf(PermissionException.class)
        .hasMessageContaining("target: not a target of this site's sip-options-external sensors");
    assertThatThrownBy(() -> a.probe("c1", pbx.hostPort(), "tcp", Duration.ofSeconds(1)))
        .as("the configured target, over another transport")
        .isInstanceOf(PermissionException.class);
    var b = client("site-b", "secret-of-site-b-456");
    assertThatThrownBy(() -> b.probe("c1", pbx.hostPort(), "udp", Duration.ofSeconds(1)))
        .as("another site's target")
        .isInstanceOf(PermissionException.class);
  }

  @Test
  void aSiteIsBoundToItsClusterAndAWrongSecretIsAPermissionError() {
    var impostor = client("site-a", "secret-of-site-b-456");
    assertThatThrownBy(() -> impostor.acquire(TicketRequest.acquire("c1", "site-a", true, TTL)))
        .isInstanceOf(PermissionException.class)
        .hasMessageNotContaining("secret-of-site-b-456");
    var c1SiteA = client("site-a", "secret-of-site-a-123");
    assertThatThrownBy(() -> c1SiteA.acquire(TicketRequest.acquire("c2", "site-a", true, TTL)))
        .as("c1's credential of site-a is not c2's")
        .isInstanceOf(PermissionException.class);
    var c2SiteA = client("site-a", "secret-of-c2-site-a-789");
    assertThat(c2SiteA.acquire(TicketRequest.acquire("c2", "site-a", true, TTL)).granted())
        .isTrue();
  }

  @Test
  void aClusterThisWitnessDoesNotServeIsAConfigurationError() {
    var a = client("site-a", "secret-of-site-a-123");
    assertThatThrownBy(() -> a.acquire(TicketRequest.acquire("other", "site-a", true, TTL)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("does not serve cluster other (HTTP 404");
  }

  @Test
  void anUnreachableWitnessIsTransient() {
    var w =
        new HttpWitness(
            http,
            URI.create("http://127.0.0.1:9"),
            "site-a",
            () -> "x",
            Duration.ofSeconds(1),
            JsonMapper.shared());
    assertThatThrownBy(() -> w.acquire(TicketRequest.acquire("c3", "site-a", true, TTL)))
        .isInstanceOf(TransientException.class);
  }

  @Test
  void aForcedAcquireIsGrantedOnlyWithTheOperatorsAcknowledgementOnTheWire() throws Exception {
    var a = client("site-a", "secret-of-site-a-123");
    var b = client("site-b", "secret-of-site-b-456");
    var held = a.acquire(TicketRequest.acquire("c1", "site-a", true, TTL));
    assertThat(held.granted()).isTrue();
    // An older client: its JSON has no acknowledgement field at all.
    var old =
        Raw.post(
            base,
            "/witness/v1/clusters/c1/acquire",
            "secret-of-site-b-456",
            "{\"site\":\"site-b\",\"healthy\":true,\"ttlMillis\":3000,\"epoch\":0,\"force\":true}");
    assertThat(old.statusCode()).isEqualTo(200);
    assertThat(old.body())
        .contains("\"granted\":false")
        .contains("a forced acquire needs the operator's acknowledgement");
    var forced =
        b.acquire(
            TicketRequest.forced(
                "c1", "site-b", true, TTL, 0, TicketRequest.FORCE_ACKNOWLEDGEMENT));
    // it preempts site-a at once but is granted only once site-a released (witness-protocol rule 2)
    assertThat(forced.granted()).as(forced.reason()).isFalse();
    assertThat(forced.reason()).startsWith("forced acquire: waiting").contains("site-a's ticket");
    var renewal = a.renew(TicketRequest.renew("c1", "site-a", true, TTL, held.ticket().epoch()));
    assertThat(renewal.granted()).isFalse();
    assertThat(renewal.ticket()).as("lost: answered without a ticket").isNull();
    a.release("c1", "site-a", held.ticket().epoch());
    var granted =
        b.acquire(
            TicketRequest.forced(
                "c1", "site-b", true, TTL, 0, TicketRequest.FORCE_ACKNOWLEDGEMENT));
    assertThat(granted.granted()).as(granted.reason()).isTrue();
    assertThat(granted.reason()).isEqualTo("force-granted epoch " + (held.ticket().epoch() + 2));
    b.release("c1", "site-b", granted.ticket().epoch());
  }
}
