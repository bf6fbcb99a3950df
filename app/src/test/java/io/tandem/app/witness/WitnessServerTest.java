package io.tandem.app.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.app.server.TandemServer;
import io.tandem.core.error.PermissionException;
import io.tandem.core.error.TransientException;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.FileWitnessStateStore;
import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.WitnessSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/** The built-in witness over real HTTP: grants, refusals, per-site credentials, persistence. */
class WitnessServerTest {

  @TempDir static Path dir;
  static ConfigurableApplicationContext ctx;
  static URI base;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static final Duration TTL = Duration.ofSeconds(3);

  @BeforeAll
  static void start() {
    var auth =
        SharedSecretAuthenticator.of(
            Map.of(
                "site-a", "secret-of-site-a-123".getBytes(StandardCharsets.UTF_8),
                "site-b", "secret-of-site-b-456".getBytes(StandardCharsets.UTF_8)));
    var witness =
        new BuiltInWitness(
            WitnessSettings.builder().grace(Duration.ofSeconds(1)).build(),
            Clock.systemUTC(),
            System::nanoTime,
            new FileWitnessStateStore(dir.resolve("state")),
            auth);
    ctx =
        TandemServer.start(
            Map.of(
                "server.port", "0",
                "server.address", "127.0.0.1",
                "tandem.data-dir", dir.toString(),
                "tandem.security.users[0].name", "admin",
                "tandem.security.users[0].role", "ADMIN",
                "tandem.security.users[0].password", "admin-password-123"),
            Map.of(
                "witnessBackend", new WitnessBackend(witness, auth),
                "clusterRuntime",
                    new WitnessRuntime(witness, "lab", java.util.List.of("site-a", "site-b"))));
    base = URI.create("http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port"));
  }

  @AfterAll
  static void stop() {
    ctx.close();
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
  }

  @Test
  void theWitnessProbesASitesPublicAddressFromItsOwnVantagePoint() throws Exception {
    var a = client("site-a", "secret-of-site-a-123");
    try (var pbx = io.tandem.sim.lab.SimSipServer.pbx("site-a", Clock.systemUTC())) {
      var ok = a.probe("c1", pbx.hostPort(), "udp", Duration.ofSeconds(2));
      assertThat(ok.status()).as(ok.detail()).isEqualTo("OK");
      assertThat(ok.detail()).contains("200");
      pbx.serving(false);
      var refused = a.probe("c1", pbx.hostPort(), "udp", Duration.ofSeconds(2));
      assertThat(refused.status()).isEqualTo("FAIL");
      assertThat(refused.detail()).contains("503");
    }
    var impostor = client("site-a", "wrong-secret-of-site-a");
    assertThatThrownBy(() -> impostor.probe("c1", "127.0.0.1:5060", "udp", Duration.ofSeconds(1)))
        .isInstanceOf(PermissionException.class);
  }

  @Test
  void aWrongSecretIsAPermissionError() {
    var impostor = client("site-a", "secret-of-site-b-456");
    assertThatThrownBy(() -> impostor.acquire(TicketRequest.acquire("c2", "site-a", true, TTL)))
        .isInstanceOf(PermissionException.class)
        .hasMessageNotContaining("secret-of-site-b-456");
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
    assertThat(a.acquire(TicketRequest.acquire("c4", "site-a", true, TTL)).granted()).isTrue();
    // An older client: its JSON has no acknowledgement field at all.
    var old =
        http.send(
            java.net.http.HttpRequest.newBuilder(base.resolve("/witness/v1/clusters/c4/acquire"))
                .header("Authorization", "Bearer secret-of-site-b-456")
                .header("Content-Type", "application/json")
                .POST(
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"site\":\"site-b\",\"healthy\":true,\"ttlMillis\":3000,"
                            + "\"epoch\":0,\"force\":true}"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(old.statusCode()).isEqualTo(200);
    assertThat(old.body())
        .contains("\"granted\":false")
        .contains("a forced acquire needs the operator's acknowledgement");
    var forced =
        b.acquire(
            TicketRequest.forced(
                "c4", "site-b", true, TTL, 0, TicketRequest.FORCE_ACKNOWLEDGEMENT));
    assertThat(forced.granted()).as(forced.reason()).isTrue();
    assertThat(forced.reason()).startsWith("force-granted epoch 2");
  }
}
