package io.tandem.app.witness;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.OpenSsl;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.InMemoryWitnessStateStore;
import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.WitnessCluster;
import io.tandem.core.witness.WitnessClusters;
import io.tandem.core.witness.WitnessSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site that re-connects resumes its TLS 1.3 session (a session ticket; BoringSSL through Netty
 * issues them as configured today), so the witness does not sign a handshake again for every agent
 * that dropped a timed-out connection: a guard, since those re-connections are what overloads a
 * witness (docs/witness-protocol.md, "New connections"). Checked from outside with {@code openssl
 * s_client}: the first connection saves the ticket it is given, the second presents it and is
 * "Reused".
 */
class TlsResumptionTest {

  private static final String PASS = "test-store-pass";

  @TempDir Path dir;

  @Test
  void aReconnectingClientResumesItsTlsSession() throws Exception {
    assertThat(OpenSsl.isAvailable()).as("BoringSSL ships for this platform").isTrue();
    Path keystore = dir.resolve("witness.p12");
    run(
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
        PASS);
    BuiltInWitness witness =
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
            new InMemoryWitnessStateStore());
    try (WitnessHttpServer server =
        WitnessHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            Optional.of(
                new WitnessHttpServer.Tls(
                    keystore, PASS.toCharArray(), "none", Optional.empty(), new char[0])),
            witness,
            Map.of())) {
      String at = "127.0.0.1:" + server.address().getPort();
      Path session = dir.resolve("session.pem");
      String first = sClient(at, "-sess_out", session.toString());
      assertThat(first).contains("New, TLSv1.3");
      assertThat(session).as("the witness gave a session ticket").exists();
      String second = sClient(at, "-sess_in", session.toString());
      assertThat(second).contains("Reused, TLSv1.3");
    }
  }

  /** One connection by openssl s_client, kept open a moment so the ticket arrives, then closed. */
  private static String sClient(String at, String... session) throws Exception {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of("openssl", "s_client", "-connect", at, "-tls1_3", "-ign_eof"));
    cmd.addAll(List.of(session));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "openssl is not installed: ./scripts/install-peers (Debian package openssl)", e);
    }
    // a request the witness answers (404 for an unknown path), then end of input: the ticket
    // comes after the handshake, before this answer
    p.getOutputStream()
        .write("GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(out).isTrue();
    return out;
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }
}
