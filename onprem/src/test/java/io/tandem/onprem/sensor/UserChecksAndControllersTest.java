package io.tandem.onprem.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tandem.core.health.SensorReading;
import io.tandem.core.health.SensorSpec;
import io.tandem.core.health.SensorStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** command and http sensors, command and http controllers, built through the catalog. */
class UserChecksAndControllersTest {

  @TempDir Path root;
  private HttpServer http;
  private String base;
  private final AtomicReference<String> lastBody = new AtomicReference<>();
  private final AtomicReference<String> lastAuth = new AtomicReference<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private SensorCatalog catalog;

  @BeforeEach
  void start() throws IOException {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/ok", ex -> answer(ex, 200, "status: ready"));
    http.createContext("/down", ex -> answer(ex, 503, "maintenance"));
    http.createContext(
        "/slow",
        ex -> {
          try {
            release.await(); // held until the test ends: the sensor's timeout must fire first
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          answer(ex, 200, "late");
        });
    http.createContext(
        "/outlets/3/state",
        ex -> {
          lastBody.set(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          lastAuth.set(ex.getRequestHeaders().getFirst("Authorization"));
          answer(ex, lastAuth.get() == null ? 401 : 204, "");
        });
    http.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    http.start();
    base = "http://127.0.0.1:" + http.getAddress().getPort();
    catalog = SensorCatalog.builtIn(new Fixture(root).context());
  }

  @AfterEach
  void stop() {
    release.countDown();
    http.stop(0);
  }

  private static void answer(com.sun.net.httpserver.HttpExchange ex, int status, String body)
      throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  private SensorReading read(String kind, Duration timeout, Map<String, String> params) {
    SensorSpec spec = new SensorSpec(kind, kind, false, 1, Duration.ofSeconds(30), timeout);
    return catalog.create(spec, params).read();
  }

  @Test
  void httpCheckStatusBodyAndTimeout() {
    assertThat(
            read("http", Duration.ofSeconds(2), Map.of("url", base + "/ok", "expect-body", "ready"))
                .status())
        .isEqualTo(SensorStatus.OK);
    assertThat(
            read("http", Duration.ofSeconds(2), Map.of("url", base + "/ok", "expect-body", "^gone"))
                .status())
        .isEqualTo(SensorStatus.FAIL);
    SensorReading down = read("http", Duration.ofSeconds(2), Map.of("url", base + "/down"));
    assertThat(down.status()).isEqualTo(SensorStatus.FAIL);
    assertThat(down.detail()).contains("503");
    assertThat(read("http", Duration.ofMillis(300), Map.of("url", base + "/slow")).status())
        .isEqualTo(SensorStatus.TIMEOUT);
  }

  @Test
  void commandExitCodesOutputAndTimeout() {
    assertThat(read("command", Duration.ofSeconds(5), Map.of("command", "echo fine")).status())
        .isEqualTo(SensorStatus.OK);
    assertThat(read("command", Duration.ofSeconds(5), Map.of("command", "exit 1")).status())
        .isEqualTo(SensorStatus.FAIL);
    assertThat(
            read(
                    "command",
                    Duration.ofSeconds(5),
                    Map.of("command", "echo degraded; exit 1", "convention", "nagios"))
                .status())
        .isEqualTo(SensorStatus.WARN);
    assertThat(
            read(
                    "command",
                    Duration.ofSeconds(5),
                    Map.of("command", "echo peers=0", "expect-output", "peers=[1-9]"))
                .status())
        .isEqualTo(SensorStatus.FAIL);
    assertThat(read("command", Duration.ofMillis(300), Map.of("command", "sleep 5")).status())
        .isEqualTo(SensorStatus.TIMEOUT);
  }

  @Test
  void commandController() {
    Path marker = root.resolve("fenced");
    Controller c =
        catalog.createController(
            "fence-b",
            "command",
            Duration.ofSeconds(5),
            Map.of("command", "touch '" + marker + "'"));
    Controller.Result r = c.act();
    assertThat(r.ok()).as(r.detail()).isTrue();
    assertThat(marker).exists();
    assertThat(
            catalog
                .createController(
                    "bad", "command", Duration.ofSeconds(5), Map.of("command", "exit 4"))
                .act()
                .detail())
        .contains("exit 4");
  }

  @Test
  void httpControllerSwitchesAnOutletWithBasicAuth() throws IOException {
    Path secret = root.resolve("pdu.pass");
    java.nio.file.Files.writeString(secret, "s3cret\n");
    Map<String, String> params = new HashMap<>();
    params.put("url", base + "/outlets/3/state");
    params.put("method", "PUT");
    params.put("body", "off");
    params.put("user", "tandem");
    params.put("password-file", secret.toString());
    Controller outlet =
        catalog.createController("outlet-3-off", "http", Duration.ofSeconds(2), params);
    Controller.Result r = outlet.act();
    assertThat(r.ok()).as(r.detail()).isTrue();
    assertThat(lastBody.get()).isEqualTo("off");
    assertThat(lastAuth.get())
        .isEqualTo(
            "Basic "
                + java.util.Base64.getEncoder()
                    .encodeToString("tandem:s3cret".getBytes(StandardCharsets.UTF_8)));
    assertThat(r.detail() + outlet).doesNotContain("s3cret");

    params.remove("user");
    params.remove("password-file");
    assertThat(
            catalog.createController("no-auth", "http", Duration.ofSeconds(2), params).act().ok())
        .isFalse();
  }
}
