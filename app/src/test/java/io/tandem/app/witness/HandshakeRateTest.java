package io.tandem.app.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.TransientException;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.InMemoryWitnessStateStore;
import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.TicketResult;
import io.tandem.core.witness.WitnessCluster;
import io.tandem.core.witness.WitnessClusters;
import io.tandem.core.witness.WitnessSettings;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Past its TLS handshake rate the witness closes a new connection at once, before any cryptography,
 * while the sites on open connections keep renewing (HAProxy's {@code maxsslrate}): an overloaded
 * witness must not spend its CPU on the handshakes of agents that dropped a timed-out connection.
 */
class HandshakeRateTest {

  private static final String PASS = "test-store-pass";

  @TempDir Path dir;

  @Test
  void aConnectionBeyondTheHandshakeRateIsClosedAtOnceAndOpenConnectionsKeepRenewing()
      throws Exception {
    Path keystore = dir.resolve("witness.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "witness",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "san=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                PASS)
            .redirectErrorStream(true)
            .start();
    keytool.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).isZero();

    BuiltInWitness witness =
        new BuiltInWitness(
            WitnessClusters.of(
                List.of(
                    new WitnessCluster(
                        "c1",
                        WitnessSettings.defaults(),
                        SharedSecretAuthenticator.of(
                            Map.of(
                                "site-a", "secret-of-site-a-123".getBytes(StandardCharsets.UTF_8),
                                "site-b",
                                    "secret-of-site-b-123".getBytes(StandardCharsets.UTF_8)))))),
            Clock.systemUTC(),
            System::nanoTime,
            new InMemoryWitnessStateStore());
    // one new TLS connection a minute: the first site's uses it up
    try (WitnessHttpServer server =
        WitnessHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            Optional.of(
                new WitnessHttpServer.Tls(
                    keystore, PASS.toCharArray(), "none", Optional.empty(), new char[0])),
            witness,
            Map.of(),
            Admission.Limits.defaults(),
            WitnessHttpServer.DEFAULT_MAX_CONNECTIONS,
            new WitnessHttpServer.HandshakeRate(1, Duration.ofMinutes(1)))) {
      URI base = URI.create("https://127.0.0.1:" + server.address().getPort());
      SSLContext trusting = trusting(keystore);
      HttpWitness siteA = agent(base, trusting, "site-a");
      HttpWitness siteB = agent(base, trusting, "site-b");
      Duration ttl = Duration.ofSeconds(5);

      TicketResult a = siteA.acquire(TicketRequest.acquire("c1", "site-a", true, ttl));
      assertThat(a.granted()).as(a.reason()).isTrue();

      assertThatThrownBy(() -> siteB.observe("c1"))
          .as("site-b's new connection is beyond the rate")
          .isInstanceOf(TransientException.class);
      // (the JDK client tries a GET once more on a new connection: refused as well)
      long refused = server.handshakesRefused();
      assertThat(refused).isPositive();

      TicketResult renewed =
          siteA.renew(TicketRequest.renew("c1", "site-a", true, ttl, a.ticket().epoch()));
      assertThat(renewed.granted()).as("site-a renews on its open connection").isTrue();
      assertThat(server.handshakesRefused()).as("no new connection for it").isEqualTo(refused);
    }
  }

  private static HttpWitness agent(URI base, SSLContext tls, String site) {
    // each agent has its own client, built as AgentCommand builds it
    return new HttpWitness(
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).sslContext(tls).build(),
        base,
        site,
        () -> "secret-of-" + site + "-123",
        // a generous bound: the first request meets a cold server on a machine others load too
        Duration.ofSeconds(30),
        JsonMapper.shared());
  }

  private static SSLContext trusting(Path keystore) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, PASS.toCharArray());
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
