package io.tandem.app.witness;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.error.TransientException;
import io.tandem.core.witness.BuiltInWitness;
import io.tandem.core.witness.FileWitnessStateStore;
import io.tandem.core.witness.PersistedTicket;
import io.tandem.core.witness.SharedSecretAuthenticator;
import io.tandem.core.witness.WitnessCluster;
import io.tandem.core.witness.WitnessClusters;
import io.tandem.core.witness.WitnessSettings;
import io.tandem.core.witness.WitnessStateStore;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16.5 on the real listener: the witness serves only its configured clusters, refuses names
 * that are not DNS labels (300 characters, a right-to-left override) before anything is looked up
 * or stored, limits bodies before reading them, and answers every error as a problem detail that
 * echoes neither the request nor a path of the machine.
 */
class WitnessHostileInputTest {

  @TempDir static Path dir;
  static WitnessHttpServer server;
  static URI base;
  static final String SECRET = "secret-of-site-a-123";
  static final String ACQUIRE =
      "{\"site\":\"site-a\",\"healthy\":true,\"ttlMillis\":3000,\"epoch\":0,\"force\":false}";

  @BeforeAll
  static void start() {
    var witness =
        new BuiltInWitness(
            WitnessClusters.of(
                List.of(
                    new WitnessCluster(
                        "c1",
                        WitnessSettings.defaults(),
                        SharedSecretAuthenticator.of(
                            Map.of("site-a", SECRET.getBytes(StandardCharsets.UTF_8)))))),
            Clock.systemUTC(),
            System::nanoTime,
            new FileWitnessStateStore(dir.resolve("state")));
    server =
        WitnessHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0), Optional.empty(), witness, Map.of());
    base = URI.create("http://127.0.0.1:" + server.address().getPort());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Checks a problem answer, and that it leaks neither a path nor the request. */
  private static void problem(HttpResponse<String> r, int status, String detail) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(r.body())
        .contains("\"status\":" + status)
        .contains("\"detail\":\"" + detail)
        .doesNotContain(dir.toString(), "/tmp", "Exception", SECRET);
  }

  @Test
  void aThreeHundredCharacterClusterNameIsRefusedWithoutAPathOrAFile() throws Exception {
    String name = "x".repeat(300);
    var r = Raw.post(base, "/witness/v1/clusters/" + name + "/acquire", SECRET, ACQUIRE);
    problem(r, 400, "cluster: expected a cluster name (a lower-case DNS label)");
    assertThat(r.body()).doesNotContain(name);
    try (Stream<Path> files = Files.list(dir.resolve("state"))) {
      assertThat(files)
          .as("nothing persisted for it")
          .allSatisfy(f -> assertThat(Files.readString(f)).doesNotContain("xxxxxxxxxx"));
    }
  }

  @Test
  void aRightToLeftOverrideInANameIsRefused() throws Exception {
    problem(
        Raw.post(base, "/witness/v1/clusters/c%E2%80%AE1/acquire", SECRET, ACQUIRE),
        400,
        "cluster: expected a cluster name");
    String rloSite = ACQUIRE.replace("site-a", "site\u202ea");
    problem(
        Raw.post(base, "/witness/v1/clusters/c1/acquire", SECRET, rloSite),
        400,
        "site: expected the requesting site's name");
  }

  @Test
  void aClusterThatIsNotConfiguredIsNotServed() throws Exception {
    problem(
        Raw.post(base, "/witness/v1/clusters/other/acquire", SECRET, ACQUIRE),
        404,
        "this witness does not serve that cluster");
    problem(
        Raw.get(base, "/witness/v1/clusters/other/ticket", "site-a", SECRET),
        404,
        "this witness does not serve that cluster");
  }

  @Test
  void credentialsAreRequiredAndChecked() throws Exception {
    var none = Raw.post(base, "/witness/v1/clusters/c1/acquire", null, ACQUIRE);
    problem(none, 401, "site credentials required");
    assertThat(none.headers().firstValue("WWW-Authenticate")).isPresent();
    problem(
        Raw.post(base, "/witness/v1/clusters/c1/acquire", "wrong-secret-0123456789", ACQUIRE),
        403,
        "the credentials do not prove this site of this cluster");
    problem(
        Raw.get(base, "/witness/v1/clusters/c1/ticket", null, SECRET),
        400,
        "site: expected the requesting site's name");
  }

  @Test
  void bodiesAreBoundedAndNeverEchoed() throws Exception {
    String big = "{\"site\":\"" + "a".repeat(20_000) + "\"}";
    problem(
        Raw.post(base, "/witness/v1/clusters/c1/acquire", SECRET, big),
        413,
        "request body larger than 8192 bytes");
    String broken = "{\"site\":\"site-a\", \"healthy\": <script>alert(1)</script>";
    var r = Raw.post(base, "/witness/v1/clusters/c1/renew", SECRET, broken);
    problem(r, 400, "expected a JSON body as in docs/witness-protocol.md");
    assertThat(r.body()).doesNotContain("script");
    problem(
        Raw.post(
            base,
            "/witness/v1/clusters/c1/renew",
            SECRET,
            ACQUIRE.replace("\"epoch\":0", "\"epoch\":-5")),
        400,
        "epoch: expected a number from 0 to 2^62");
  }

  @Test
  void aDeclaredHugeBodyIsRefusedBeforeItIsSent() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /witness/v1/clusters/c1/acquire HTTP/1.1\r\nHost: x\r\n"
                  + "Authorization: Bearer "
                  + SECRET
                  + "\r\nContent-Type: application/json\r\nContent-Length: 200000000\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      assertThat(head).isEqualTo("HTTP/1.1 413");
    }
  }

  @Test
  void unknownPathsAndMethodsAreRefused() throws Exception {
    problem(Raw.get(base, "/witness/v1/clusters/c1/shutdown", "site-a", SECRET), 404, "no such");
    problem(Raw.get(base, "/actuator/env", null, null), 404, "no such resource");
    var wrongMethod = Raw.get(base, "/witness/v1/clusters/c1/acquire", "site-a", SECRET);
    problem(wrongMethod, 405, "expected POST");
    assertThat(wrongMethod.headers().firstValue("Allow")).contains("POST");
    assertThat(Raw.get(base, "/witness/v1/health", null, null).body())
        .isEqualTo("{\"status\":\"UP\"}");
  }

  @Test
  void aStoreThatCannotPersistIsAnsweredWithoutItsMessage() throws Exception {
    String secretPath = "/var/lib/tandem-witness/state/witness.7.log";
    WitnessStateStore full =
        new WitnessStateStore() {
          @Override
          public Map<String, PersistedTicket> loadAll() {
            return Map.of();
          }

          @Override
          public void save(PersistedTicket ticket) {
            throw new TransientException(
                "could not persist witness state: " + secretPath + ": No space left on device");
          }
        };
    var witness =
        new BuiltInWitness(
            WitnessClusters.of(
                List.of(
                    new WitnessCluster(
                        "c1",
                        WitnessSettings.defaults(),
                        SharedSecretAuthenticator.of(
                            Map.of("site-a", SECRET.getBytes(StandardCharsets.UTF_8)))))),
            Clock.systemUTC(),
            System::nanoTime,
            full);
    try (var broken =
        WitnessHttpServer.start(
            new InetSocketAddress("127.0.0.1", 0), Optional.empty(), witness, Map.of())) {
      URI url = URI.create("http://127.0.0.1:" + broken.address().getPort());
      var r = Raw.post(url, "/witness/v1/clusters/c1/acquire", SECRET, ACQUIRE);
      problem(r, 503, "the witness could not complete the request now; try again");
      assertThat(r.headers().firstValue("Retry-After")).contains("1");
      assertThat(r.body()).doesNotContain(secretPath).doesNotContain("No space");
    }
  }
}
