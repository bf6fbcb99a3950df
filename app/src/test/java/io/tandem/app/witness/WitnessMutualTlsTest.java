package io.tandem.app.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.core.error.TransientException;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.FileWitnessStateStore;
import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.TicketRequest;
import io.tandem.core.witness.WitnessCluster;
import io.tandem.core.witness.WitnessClusters;
import io.tandem.core.witness.WitnessSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The witness over HTTPS with mutual TLS, as {@code tandem witness --tls-keystore ...
 * --tls-client-auth need --tls-truststore ...} configures it (AEAD cipher suites only): a site with
 * its certificate and secret gets the ticket; a client without a certificate does not get through
 * the handshake. Certificates are made by the JDK's keytool for this test only.
 */
class WitnessMutualTlsTest {

  static final char[] PASS = "test-store-pass".toCharArray();
  @TempDir static Path dir;
  static WitnessHttpServer server;
  static URI base;

  @BeforeAll
  static void start() throws Exception {
    keytool(
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
        p("witness.p12"),
        "-storepass",
        new String(PASS));
    keytool(
        "-genkeypair",
        "-alias",
        "site-a",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=site-a",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        p("site-a.p12"),
        "-storepass",
        new String(PASS));
    keytool(
        "-exportcert",
        "-alias",
        "witness",
        "-keystore",
        p("witness.p12"),
        "-storepass",
        new String(PASS),
        "-file",
        p("witness.crt"));
    keytool(
        "-exportcert",
        "-alias",
        "site-a",
        "-keystore",
        p("site-a.p12"),
        "-storepass",
        new String(PASS),
        "-file",
        p("site-a.crt"));
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "site-a",
        "-file",
        p("site-a.crt"),
        "-storetype",
        "PKCS12",
        "-keystore",
        p("sites-trust.p12"),
        "-storepass",
        new String(PASS));
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "witness",
        "-file",
        p("witness.crt"),
        "-storetype",
        "PKCS12",
        "-keystore",
        p("witness-trust.p12"),
        "-storepass",
        new String(PASS));

    var witness =
        new BuiltInWitness(
            WitnessClusters.of(
                List.of(
                    new WitnessCluster(
                        "c1",
                        WitnessSettings.defaults(),
                        SharedSecretAuthenticator.of(
                            Map.of(
                                "site-a",
                                "secret-of-site-a-123".getBytes(StandardCharsets.UTF_8)))))),
            Clock.systemUTC(),
            System::nanoTime,
            new FileWitnessStateStore(dir.resolve("state")));
    server =
        WitnessHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            Optional.of(
                new WitnessHttpServer.Tls(
                    dir.resolve("witness.p12"),
                    PASS.clone(),
                    "need",
                    Optional.of(dir.resolve("sites-trust.p12")),
                    PASS.clone())),
            witness,
            Map.of());
    base = URI.create("https://127.0.0.1:" + server.address().getPort());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void onlyAeadCipherSuitesAreOffered() throws Exception {
    SSLContext legacy = sslContext(true);
    SSLParameters cbcOnly = legacy.getDefaultSSLParameters();
    cbcOnly.setProtocols(new String[] {"TLSv1.2"});
    cbcOnly.setCipherSuites(
        new String[] {
          "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"
        });
    var client =
        new HttpWitness(
            HttpClient.newBuilder()
                .sslContext(legacy)
                .sslParameters(cbcOnly)
                .connectTimeout(Duration.ofSeconds(5))
                .build(),
            base,
            "site-a",
            () -> "secret-of-site-a-123",
            Duration.ofSeconds(5),
            JsonMapper.shared());
    assertThatThrownBy(
            () ->
                client.acquire(TicketRequest.acquire("c1", "site-a", true, Duration.ofSeconds(5))))
        .as("a client offering only CBC suites finds no common cipher suite")
        .isInstanceOf(TransientException.class);
  }

  @Test
  void aSiteWithItsCertificateAndSecretGetsTheTicket() throws Exception {
    var client = client(sslContext(true));
    var result = client.acquire(TicketRequest.acquire("c1", "site-a", true, Duration.ofSeconds(5)));
    assertThat(result.granted()).as(result.reason()).isTrue();
    assertThat(result.ticket().holder()).isEqualTo("site-a");
  }

  @Test
  void aClientWithoutACertificateIsStoppedAtTheHandshake() throws Exception {
    var client = client(sslContext(false));
    assertThatThrownBy(
            () ->
                client.acquire(TicketRequest.acquire("c1", "site-a", true, Duration.ofSeconds(5))))
        .isInstanceOf(TransientException.class)
        .hasMessageContaining("unreachable");
  }

  private static HttpWitness client(SSLContext ssl) {
    return new HttpWitness(
        HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build(),
        base,
        "site-a",
        () -> "secret-of-site-a-123",
        Duration.ofSeconds(5),
        JsonMapper.shared());
  }

  private static SSLContext sslContext(boolean withClientCertificate)
      throws GeneralSecurityException, IOException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(load("witness-trust.p12"));
    SSLContext ctx = SSLContext.getInstance("TLS");
    if (withClientCertificate) {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
      kmf.init(load("site-a.p12"), PASS);
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    } else {
      ctx.init(null, tmf.getTrustManagers(), null);
    }
    return ctx;
  }

  private static KeyStore load(String name) throws GeneralSecurityException, IOException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve(name))) {
      ks.load(in, PASS);
    }
    return ks;
  }

  private static String p(String name) {
    return dir.resolve(name).toString();
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
    }
  }
}
